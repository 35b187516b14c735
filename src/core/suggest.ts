import type { Evidence, KeyEvidence, Signal, UsageFigures } from "./aggregate.js";
import type { Catalog } from "./catalog.js";
import type { Config } from "./config-schema.js";
import type { Manifest } from "./manifest-schema.js";
import { firstMatch, isPattern } from "./patterns.js";

/**
 * The suggestion rules (issue 6): evidence strong enough becomes a proposed manifest
 * change. Proposals only: a person reviews every one as a pull request.
 */

export type ProposalChange = "add" | "replace" | "remove";
export type ToolList = "required_tools" | "optional_tools";

export interface ProposalEvidence {
  issues: number[];
  reporters: string[];
  /** The decayed weight the threshold was compared with. */
  weight: number;
  /** Reports (or, for a removal, sessions) counted. */
  count: number;
  threshold: number;
  usage: UsageFigures | null;
}

export interface Proposal {
  /** Stable: `<type>/<change>-<tool>`, e.g. `python_patterns/add-ast_parse`. */
  id: string;
  apprentice_type: string;
  change: ProposalChange;
  tool: string;
  /** For `replace`: the tool that takes `tool`'s place. */
  replacement?: string;
  /** The lists the change touches (for `replace`: every list where `tool` stands). */
  lists: ToolList[];
  evidence: ProposalEvidence;
  /** One sentence: what changes and why. */
  why: string;
}

export interface BlockedProposal {
  id: string;
  apprentice_type: string;
  change: ProposalChange;
  tool: string;
  replacement?: string;
  blocked_by: "forbidden" | "not-in-catalog";
  /** The forbidden pattern, when `blocked_by` is `forbidden`. */
  pattern?: string;
  /** E.g. "requested but forbidden by `docker_*`". */
  reason: string;
  evidence: ProposalEvidence;
}

export interface SuggestOptions {
  thresholds: Config["feedback"]["thresholds"];
  /** When given, a replacement must exist in it. */
  catalog?: Catalog;
}

export interface Suggestions {
  proposals: Proposal[];
  blocked: BlockedProposal[];
}

const CHANGE_ORDER: Record<ProposalChange, number> = { add: 0, replace: 1, remove: 2 };

export const proposalId = (type: string, change: ProposalChange, tool: string): string => `${type}/${change}-${tool}`;

const fmt = (n: number): string => (Math.round(n * 100) / 100).toString();
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function fromSignal(s: Signal, threshold: number, usage: UsageFigures | null): ProposalEvidence {
  return { issues: s.issues, reporters: s.reporters, weight: s.weight, count: s.count, threshold, usage };
}

function reportsPhrase(e: ProposalEvidence): string {
  const who = e.reporters.length > 0 ? ` from ${plural(e.reporters.length, "reporter")}` : "";
  return `${plural(e.count, "report")}${who} (weight ${fmt(e.weight)} ≥ ${fmt(e.threshold)})`;
}

/** True when the manifest already gives the tool a place: required by name, or optional by name or pattern. */
function isListed(m: Manifest, tool: string, server: string | undefined): boolean {
  return m.required_tools.includes(tool) || firstMatch(m.optional_tools, tool, server) !== undefined;
}

function listsHolding(m: Manifest, tool: string): ToolList[] {
  const lists: ToolList[] = [];
  if (m.required_tools.includes(tool)) lists.push("required_tools");
  if (m.optional_tools.includes(tool)) lists.push("optional_tools");
  return lists;
}

/**
 * Proposals from the evidence, per apprentice with a manifest:
 * - missing tool, weight ≥ `add` → add to `optional_tools` (unless already listed;
 *   a forbidden tool is returned in `blocked` instead);
 * - replacement X → Y, weight ≥ `replace`, Y in the catalog (when there is one) and not
 *   forbidden or listed → replace X with Y where X stands;
 * - an optional tool (by name) given in ≥ `remove_unused` recent sessions (decayed
 *   weight) and never called → remove it.
 */
export function suggest(evidence: Evidence, manifests: readonly Manifest[], options: SuggestOptions): Suggestions {
  const { thresholds, catalog } = options;
  const byType = new Map<string, Manifest>();
  for (const m of manifests) if (!byType.has(m.apprentice_type)) byType.set(m.apprentice_type, m);
  const proposals: Proposal[] = [];
  const blocked: BlockedProposal[] = [];
  const serverOf = (tool: string) => catalog?.get(tool)?.server;

  for (const key of evidence.keys) {
    const m = byType.get(key.apprentice_type);
    if (!m) continue;
    addRule(m, key);
    // A tool being replaced is not also proposed for removal: the two changes would conflict.
    if (!replaceRule(m, key)) removeRule(m, key);
  }

  function addRule(m: Manifest, key: KeyEvidence): void {
    if (key.missing.weight < thresholds.add || key.missing.count === 0) return;
    const { tool } = key;
    const ev = fromSignal(key.missing, thresholds.add, key.usage);
    const forbiddenBy = firstMatch(m.forbidden_tools, tool, serverOf(tool));
    if (forbiddenBy !== undefined) {
      blocked.push({ id: proposalId(m.apprentice_type, "add", tool), apprentice_type: m.apprentice_type, change: "add", tool, blocked_by: "forbidden", pattern: forbiddenBy, reason: `requested but forbidden by \`${forbiddenBy}\``, evidence: ev });
      return;
    }
    if (isListed(m, tool, serverOf(tool))) return;
    proposals.push({
      id: proposalId(m.apprentice_type, "add", tool),
      apprentice_type: m.apprentice_type,
      change: "add",
      tool,
      lists: ["optional_tools"],
      evidence: ev,
      why: `${reportsPhrase(ev)} say ${m.apprentice_type} is missing \`${tool}\`, so it is added to optional_tools.`,
    });
  }

  function replaceRule(m: Manifest, key: KeyEvidence): boolean {
    const { tool } = key;
    const lists = listsHolding(m, tool);
    if (lists.length === 0) return false;
    for (const r of key.replacements) {
      if (r.weight < thresholds.replace || r.count === 0) continue;
      const ev = fromSignal(r, thresholds.replace, key.usage);
      const base = { id: proposalId(m.apprentice_type, "replace", tool), apprentice_type: m.apprentice_type, change: "replace" as const, tool, replacement: r.to, evidence: ev };
      const forbiddenBy = firstMatch(m.forbidden_tools, r.to, serverOf(r.to));
      if (forbiddenBy !== undefined) {
        blocked.push({ ...base, blocked_by: "forbidden", pattern: forbiddenBy, reason: `\`${r.to}\` is suggested instead of \`${tool}\` but forbidden by \`${forbiddenBy}\`` });
        continue;
      }
      if (catalog && !catalog.has(r.to)) {
        blocked.push({ ...base, blocked_by: "not-in-catalog", reason: `\`${r.to}\` is suggested instead of \`${tool}\` but is not in the catalog` });
        continue;
      }
      if (r.to === tool || isListed(m, r.to, serverOf(r.to))) continue;
      proposals.push({ ...base, lists, why: `${reportsPhrase(ev)} suggest \`${r.to}\` instead of \`${tool}\` for ${m.apprentice_type}, so it takes its place in ${lists.join(" and ")}.` });
      return true;
    }
    return false;
  }

  function removeRule(m: Manifest, key: KeyEvidence): void {
    const u = key.usage;
    const { tool } = key;
    if (!u || u.calls > 0 || u.sessions_provided_weight < thresholds.remove_unused) return;
    if (isPattern(tool) || !m.optional_tools.includes(tool) || m.required_tools.includes(tool)) return;
    proposals.push({
      id: proposalId(m.apprentice_type, "remove", tool),
      apprentice_type: m.apprentice_type,
      change: "remove",
      tool,
      lists: ["optional_tools"],
      evidence: { issues: key.issues, reporters: key.reporters, weight: u.sessions_provided_weight, count: u.sessions_provided, threshold: thresholds.remove_unused, usage: u },
      why: `${m.apprentice_type} was given \`${tool}\` in ${plural(u.sessions_provided, "session")} (weight ${fmt(u.sessions_provided_weight)} ≥ ${fmt(thresholds.remove_unused)}) and never called it, so it is removed from optional_tools.`,
    });
  }

  const order = (a: { apprentice_type: string; change: ProposalChange; tool: string }, b: typeof a) =>
    (a.apprentice_type < b.apprentice_type ? -1 : a.apprentice_type > b.apprentice_type ? 1 : 0) || CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change] || (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0);
  return { proposals: proposals.sort(order), blocked: blocked.sort(order) };
}
