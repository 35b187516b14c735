import { stableHash } from "./labels.js";
import { mdCode, mdTable } from "./markdown.js";
import type { ApprenticeDiff } from "./plan.js";
import { renderPlanComment } from "./render-comment.js";
import type { Proposal } from "./suggest.js";

export const PROPOSAL_MARKER = "<!-- apprentice-tools:proposal ";

/**
 * A name as one component of a git ref. A name that had to change (`mcp:x` → `mcp_x`)
 * or be shortened gets a hash of the original, so that two names never share a branch.
 */
function refComponent(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/\.{2,}/g, "_").replace(/^\.|\.$|\.lock$/g, "_");
  if (safe === name && safe !== "" && safe.length <= 100) return safe;
  return `${safe.slice(0, 80)}-${stableHash(name)}`;
}

/** Branch of a proposal: `apprentice-tools/<type>/<change>-<tool>`, a valid git ref whatever the names. */
export function proposalBranch(p: Pick<Proposal, "apprentice_type" | "change" | "tool">): string {
  return `apprentice-tools/${refComponent(p.apprentice_type)}/${p.change}-${refComponent(p.tool)}`;
}

/** The branch of a proposal known only by its id (`<type>/<change>-<tool>`). */
export function proposalBranchOfId(id: string): string {
  const slash = id.indexOf("/");
  const rest = id.slice(slash + 1);
  const dash = rest.indexOf("-");
  return proposalBranch({ apprentice_type: id.slice(0, slash), change: rest.slice(0, dash) as Proposal["change"], tool: rest.slice(dash + 1) });
}

export function proposalTitle(p: Proposal): string {
  if (p.change === "add") return `${p.apprentice_type}: add ${p.tool} to optional tools`;
  if (p.change === "replace") return `${p.apprentice_type}: replace ${p.tool} with ${p.replacement ?? "?"}`;
  return `${p.apprentice_type}: remove unused ${p.tool}`;
}

const w = (n: number) => (Math.round(n * 100) / 100).toString();
/** A list that keeps the body within GitHub's limit however much evidence there is. */
const capped = (items: readonly string[], max: number, sep: string) => items.slice(0, max).join(sep) + (items.length > max ? ` and ${items.length - max} more` : "");

/** The pull request's body: why in one sentence, the evidence, the plan diff, how to decline. */
export function renderProposalBody(p: Proposal, file: string, diff: ApprenticeDiff | undefined): string {
  const ev = p.evidence;
  const rows: string[][] = [];
  if (ev.issues.length) rows.push(["Issues", capped(ev.issues.map((n) => `#${n}`), 100, " ")]);
  if (ev.reporters.length) rows.push(["Reporters", capped(ev.reporters.map((r) => mdCode(r)), 50, ", ")]);
  rows.push(["Evidence weight", `${w(ev.weight)} (threshold ${w(ev.threshold)}; ${ev.count} counted)`]);
  if (ev.usage) rows.push(["Usage", `given in ${ev.usage.sessions_provided} sessions, called ${ev.usage.calls} times`]);
  const planDiff = diff
    ? renderPlanComment({ diff: { apprentices: [diff], changed: [diff.apprentice_type] }, marker: null, title: "Plan diff", limit: 40_000 })
    : "_The plan diff could not be computed._";
  return [
    `${PROPOSAL_MARKER}${p.id} -->`,
    `${p.why}`,
    `Manifest: ${mdCode(file)}`,
    "### Evidence",
    mdTable(["", ""], rows),
    planDiff,
    "### Deciding",
    "Merge to accept: the feedback issues above are then thanked and closed. Close without merging to decline: this proposal is remembered and not made again unless its evidence doubles. Edit the branch freely before merging.",
    "_Opened by apprentice-tools from apprentices' feedback. It only proposes; maintainers decide._",
  ].join("\n\n") + "\n";
}

/** The proposal id a PR body carries, if it is one of ours. */
export function proposalIdOf(body: string): string | undefined {
  const i = body.indexOf(PROPOSAL_MARKER);
  if (i !== 0) return undefined;
  const end = body.indexOf(" -->", PROPOSAL_MARKER.length);
  return end === -1 ? undefined : body.slice(PROPOSAL_MARKER.length, end);
}

export function renderThanks(pr: number, p: { apprentice_type: string; id: string }): string {
  return `<!-- apprentice-tools:thanks -->\nThank you — this feedback helped change ${mdCode(p.apprentice_type)}'s tools in #${pr} (${mdCode(p.id)}), now merged. Closing as completed.\n`;
}
