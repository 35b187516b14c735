import type { FeedbackKind } from "./feedback-entry.js";
import type { Triage, TriagedEntry } from "./feedback-triage.js";
import { mdCode, mdTable, mdText } from "./markdown.js";

/** Hidden markers the bot finds its own comments by (only in comments the bot wrote). */
export const REPLY_MARKER = "<!-- apprentice-tools:feedback-reply -->";
export const OWNERS_MARKER = "<!-- apprentice-tools:owners-notified -->";

const KIND_WORD: Record<FeedbackKind, string> = { "missing-tool": "Missing tool", "tool-problem": "Tool problem", "tool-suggestion": "Tool suggestion" };

/** How much evidence there is now for one entry's key, and what it takes to act. */
export interface EvidenceNote {
  weight: number;
  issues: number;
  threshold: number;
}

export interface ReplyContext {
  /** Evidence for an accepted entry (missing tools and suggestions), when known. */
  evidenceFor?: (t: TriagedEntry) => EvidenceNote | undefined;
  dashboardUrl?: string;
  /** Who can change a manifest's forbidden list (owners, or "the maintainers"). */
  ownersOf?: (type: string) => string[];
  /** Where a forbidden pattern stands, e.g. `manifests/x.yaml:14`. */
  patternPlace?: (type: string, pattern: string) => string | undefined;
  knownTypes: readonly string[];
}

function detail(t: TriagedEntry): string {
  const e = t.entry;
  if (e.kind === "tool-suggestion") return `use ${e.suggested_tool ? mdCode(e.suggested_tool) : "(no tool given)"} instead${e.text ? `: ${mdText(e.text, 120)}` : ""}`;
  const sev = e.severity ? `**${e.severity}** — ` : "";
  return `${sev}${mdText(e.text || "—", 140)}`;
}

function status(t: TriagedEntry): string {
  if (t.verdict === "needs-info") return "❓ needs info";
  if (t.forbiddenBy) return "🚫 forbidden by policy";
  if (t.critical) return "🔴 critical";
  return "✅ recorded";
}

/** Neutralises @-mentions in plain text that the bot did not intend. */
function names(list: readonly string[]): string {
  return list.map((o) => `\`${o.replace(/`/g, "")}\``).join(", ");
}

const EXAMPLE = [
  "```markdown",
  "**Apprentice**: python_patterns",
  "**Missing Tool**: `ast_parse` - Needed for: reading the structure of Python files",
  "**Tool Problem**: `file_search` - Issue: times out on large folders",
  "**Tool Suggestion**: Replace `regex_search` with `treesitter` - Reason: understands syntax",
  "```",
].join("\n");

/** The bot's one reply on a feedback issue: short, warm, and exact about what happens next. */
export function renderFeedbackReply(triage: Triage, ctx: ReplyContext): string {
  const out: string[] = [REPLY_MARKER];
  const accepted = triage.entries.filter((t) => t.verdict === "accepted");
  out.push(accepted.length === triage.entries.length ? "Thank you — this feedback is recorded. Here is what I understood:" : "Thank you for this feedback. I understood part of it; some of it needs a little more detail:");
  const rows = triage.entries.slice(0, 50).map((t) => [KIND_WORD[t.entry.kind], t.entry.apprentice_type ? mdCode(t.entry.apprentice_type, 64) : "—", t.entry.tool ? mdCode(t.entry.tool, 80) : "—", detail(t), status(t)]);
  out.push(mdTable(["Kind", "Apprentice", "Tool", "Detail", "Status"], rows));
  if (triage.entries.length > 50 || triage.truncated) {
    out.push(`_Only the first ${Math.min(triage.entries.length, 50)} entries are shown${triage.truncated ? "; the issue was longer than I read (100 entries or 256 KiB at most), so split very long reports into several issues" : ""}._`);
  }
  for (const t of accepted.filter((x) => x.forbiddenBy)) {
    const type = t.entry.apprentice_type ?? "";
    const place = ctx.patternPlace?.(type, t.forbiddenBy as string);
    const owners = ctx.ownersOf?.(type) ?? [];
    out.push(`🚫 ${mdCode(t.entry.tool)} is **forbidden by policy** for ${mdCode(type)}: the pattern ${mdCode(t.forbiddenBy as string)}${place ? ` in ${mdCode(place)}` : ""} excludes it. Your feedback still counts as evidence and shows on the dashboard, but I will not propose adding this tool; ${owners.length ? `its owners (${names(owners)})` : "the maintainers of that manifest"} can change the policy in a pull request.`);
  }
  const missing = triage.entries.filter((t) => t.verdict === "needs-info");
  if (missing.length || triage.bodyProblems.length) {
    out.push("**To act on the rest, I need:**");
    for (const t of missing) out.push(`- ${KIND_WORD[t.entry.kind]} ${t.entry.tool ? mdCode(t.entry.tool, 80) : ""}: ${t.missing.map((m) => mdText(m, 300)).join("; ")}`);
    for (const p of triage.bodyProblems) out.push(`- ${mdText(p, 300)}`);
    out.push(`Edit the issue (I will read it again), for example:\n\n${EXAMPLE}`);
  }
  const next: string[] = [];
  for (const t of accepted) {
    const ev = ctx.evidenceFor?.(t);
    if (!ev || t.forbiddenBy) continue;
    const what = t.entry.kind === "missing-tool" ? `adding ${mdCode(t.entry.tool)} to ${mdCode(t.entry.apprentice_type ?? "")}` : t.entry.kind === "tool-suggestion" ? `replacing ${mdCode(t.entry.tool)} with ${mdCode(t.entry.suggested_tool ?? "")}` : undefined;
    if (!what) continue;
    const reached = ev.weight >= ev.threshold;
    next.push(`- ${what}: evidence ${ev.weight.toFixed(1)} of ${ev.threshold} from ${ev.issues} issue${ev.issues === 1 ? "" : "s"}${reached ? " — enough for a proposal, which I open as a pull request for the maintainers to review." : "."}`);
  }
  out.push("**What happens next:** " + (next.length ? "I weigh reports from different apprentices and reporters, fading with age; when the evidence reaches the threshold I propose a manifest change as a pull request for the maintainers to review.\n" + next.join("\n") : "the maintainers see this on the evidence dashboard; repeated reports from different reporters make a change more likely."));
  if (ctx.dashboardUrl) out.push(`📊 [Evidence dashboard](${ctx.dashboardUrl})`);
  return out.join("\n\n").replace(/\n{3,}/g, "\n\n") + "\n";
}

/** The one-time message that pulls a manifest's owners in for critical feedback. */
export function renderOwnersNotice(triage: Triage, owners: ReadonlyMap<string, readonly string[]>): string | undefined {
  const lines: string[] = [];
  for (const type of triage.criticalTypes) {
    const list = owners.get(type) ?? [];
    if (!list.length) continue;
    const why = triage.entries.filter((t) => t.critical && t.entry.apprentice_type === type).map((t) => `${mdCode(t.entry.tool)}${t.entry.severity === "blocking" ? " (blocking)" : t.required ? " (a required tool)" : ""}`);
    // Owners come from CODEOWNERS or the config, never from the issue text: these are the only mentions the bot makes.
    lines.push(`${list.join(" ")} — ${mdCode(type)} reports a critical problem with ${why.join(", ")}.`);
  }
  if (!lines.length) return undefined;
  return `${OWNERS_MARKER}\n🔴 **Critical apprentice feedback**\n\n${lines.join("\n\n")}\n`;
}

/** True when a comment is one of the bot's own (by marker and by author), never forgeable by a body. */
export function isBotComment(comment: { body: string; author_type: string | null }, marker: string): boolean {
  return comment.author_type === "Bot" && comment.body.startsWith(marker);
}
