import type { Evidence, KeyEvidence } from "./aggregate.js";
import type { DashboardState, ProposalRecord } from "./dashboard-state.js";
import { compareEntries, compareRecency } from "./evidence-state.js";
import { mdCode, mdTable, mdText } from "./markdown.js";
import type { Plan } from "./plan.js";
import type { BlockedProposal, Proposal } from "./suggest.js";

export const DASHBOARD_MARKER = "<!-- apprentice-tools:dashboard -->";
export const REBUILD_MARKER = "<!-- apprentice-tools:rebuild -->";
export const STATE_OPEN = "<!-- apprentice-tools:state ";
export const STATE_CLOSE = " -->";
export const DASHBOARD_TITLE = "apprentice-tools dashboard";
/** GitHub refuses an issue body longer than this. */
export const BODY_LIMIT = 65_536;
const ROWS = 25;

export interface DashboardInput {
  evidence: Evidence;
  state: DashboardState;
  thresholds: { add: number; replace: number; remove_unused: number };
  /** Proposals the rules make now, and those blocked by policy. */
  proposals: readonly Proposal[];
  blocked: readonly BlockedProposal[];
  /** The current plan, for the tool-limit measure. */
  plan?: Plan;
  /** The encoded hidden state (the shell compresses it). */
  stateBlob: string;
  /** Rows shown per table and list (default 25). */
  rows?: number;
}

/** Inline code for names from issues and files: no HTML comment or tag can be formed. */
const code = (text: string) => mdCode(text.replace(/</g, "‹").replace(/>/g, "›"));
const issueRefs = (issues: readonly number[], max = 8) => issues.slice(0, max).map((n) => `#${n}`).join(" ") + (issues.length > max ? ` +${issues.length - max}` : "");
const w = (n: number) => (Math.round(n * 10) / 10).toFixed(1);

function more(total: number, rows: number): string {
  return total > rows ? `\n\n_…and ${total - rows} more._` : "";
}

/** Where a proposal stands: its PR and the decision on it, or why it is not made, or how far its evidence has come. */
function proposalStatus(input: DashboardInput, id: string, weight: number, threshold: number, replacement?: string): string {
  const rec = input.state.proposals[id];
  const done = id.includes("/add-") ? "added" : "changed";
  if (rec?.status === "open" && rec.pr) return `proposal #${rec.pr}`;
  if (rec?.status === "merged") return `${done} in #${rec.pr ?? "?"}`;
  if (rec?.status === "declined") return `declined in #${rec.pr ?? "?"}; back when evidence reaches ${w(2 * (rec.weight_at_close ?? 0))}`;
  if (rec?.status === "rejected" && weight >= threshold) return `not proposed: ${mdText(rec.reason ?? "", 120)}`;
  const b = input.blocked.find((x) => x.id === id && (replacement === undefined || x.replacement === replacement));
  if (b?.blocked_by === "forbidden" && b.pattern !== undefined) return `${replacement === undefined ? "requested" : `${code(replacement)} is suggested`} but forbidden by ${code(b.pattern)}`;
  if (b) return `${code(b.replacement ?? b.tool)} is not in the catalog`;
  return weight >= threshold ? "proposal pending" : `${w(weight)} of ${threshold}`;
}

function needsSection(input: DashboardInput, rows: number): string {
  const needs = input.evidence.keys.filter((k) => k.missing.count > 0).sort((a, b) => b.missing.weight - a.missing.weight || cmpKey(a, b));
  if (!needs.length) return "### Needs\n\nNo apprentice has reported a missing tool.";
  const status = (k: KeyEvidence) => proposalStatus(input, `${k.apprentice_type}/add-${k.tool}`, k.missing.weight, input.thresholds.add);
  const table = needs.slice(0, rows).map((k) => [code(k.apprentice_type), code(k.tool), w(k.missing.weight), String(k.missing.count), issueRefs(k.missing.issues), status(k)]);
  return `### Needs\n\nMissing tools, by weight (reports fade with a ${input.evidence.half_life_days}-day half-life).\n\n${mdTable(["Apprentice", "Tool", "Weight", "Reports", "Issues", "Status"], table)}${more(needs.length, rows)}`;
}

function cmpKey(a: KeyEvidence, b: KeyEvidence): number {
  return a.apprentice_type < b.apprentice_type ? -1 : a.apprentice_type > b.apprentice_type ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0;
}

function problemsSection(e: Evidence, max: number): string {
  const rows = e.keys.filter((k) => k.problems.count > 0);
  if (!rows.length) return "### Problems\n\nNo tool problems reported.";
  rows.sort((a, b) => b.problems.by_severity.blocking.weight - a.problems.by_severity.blocking.weight || b.problems.weight - a.problems.weight || cmpKey(a, b));
  const sev = (k: KeyEvidence) => (["blocking", "degraded", "minor", "unspecified"] as const).filter((s) => k.problems.by_severity[s].count > 0).map((s) => `${s === "blocking" ? "🔴 " : ""}${s} ${k.problems.by_severity[s].count}`).join(", ");
  return `### Problems\n\nCritical first.\n\n${mdTable(["Apprentice", "Tool", "Severity", "Weight", "Issues"], rows.slice(0, max).map((k) => [code(k.apprentice_type), code(k.tool), sev(k), w(k.problems.weight), issueRefs(k.problems.issues)]))}${more(rows.length, max)}`;
}

function suggestionsSection(input: DashboardInput, max: number): string {
  const threshold = input.thresholds.replace;
  const rows = input.evidence.keys.flatMap((k) => k.replacements.map((r) => ({ k, r })));
  if (!rows.length) return "### Suggestions\n\nNo replacements suggested.";
  rows.sort((a, b) => b.r.weight - a.r.weight || cmpKey(a.k, b.k));
  const status = (k: KeyEvidence, to: string, weight: number) => proposalStatus(input, `${k.apprentice_type}/replace-${k.tool}`, weight, threshold, to);
  return `### Suggestions\n\n${mdTable(["Apprentice", "Replace", "With", "Weight", "Issues", "Status"], rows.slice(0, max).map(({ k, r }) => [code(k.apprentice_type), code(k.tool), code(r.to), w(r.weight), issueRefs(r.issues), status(k, r.to, r.weight)]))}${more(rows.length, max)}`;
}

function unusedRows(e: Evidence): KeyEvidence[] {
  return e.keys.filter((k) => k.usage && k.usage.sessions_provided > 0 && k.usage.calls === 0);
}

function unusedSection(e: Evidence, threshold: number, max: number): string {
  const rows = unusedRows(e);
  if (!rows.length) return `### Unused tools\n\n${e.sessions ? "Every tool given in the recorded sessions was used." : "No usage summaries recorded yet."}`;
  return `### Unused tools\n\nGiven but never called in ${e.sessions} recorded session${e.sessions === 1 ? "" : "s"}; removal is proposed from ${threshold} sessions.\n\n${mdTable(["Apprentice", "Tool", "Sessions given", "Calls"], rows.slice(0, max).map((k) => [code(k.apprentice_type), code(k.tool), String(k.usage?.sessions_provided ?? 0), "0"]))}${more(rows.length, max)}`;
}

function proposalsSection(records: readonly ProposalRecord[], max: number): string {
  const open = records.filter((r) => r.status === "open");
  const merged = records.filter((r) => r.status === "merged");
  const declined = records.filter((r) => r.status === "declined");
  const rejected = records.filter((r) => r.status === "rejected");
  const list = (rs: readonly ProposalRecord[], one: (r: ProposalRecord) => string) => rs.slice(0, max).map(one).join(", ") + (rs.length > max ? ` and ${rs.length - max} more` : "");
  const parts = ["### Proposals"];
  parts.push(open.length ? `Open: ${list(open, (r) => `#${r.pr} (${code(r.id)})`)}` : "No proposal is open.");
  if (merged.length) parts.push(`Merged, with thanks to the reporters: ${list(merged, (r) => `${code(r.id)} in #${r.pr}`)}`);
  if (declined.length) parts.push(`Declined (not proposed again unless the evidence doubles): ${list(declined, (r) => `${code(r.id)} in #${r.pr}`)}`);
  if (rejected.length) parts.push(`Not opened:\n${rejected.slice(0, max).map((r) => `- ${code(r.id)}: ${mdText(r.reason ?? "", 200)}`).join("\n")}${more(rejected.length, max)}`);
  return parts.join("\n\n");
}

function measures(input: DashboardInput, records: readonly ProposalRecord[]): string {
  const lines: string[] = [];
  if (input.plan) {
    const within = input.plan.apprentices.filter((a) => a.status !== "invalid" && a.capacity.used <= a.capacity.available).length;
    lines.push(`🎯 **${within} of ${input.plan.apprentices.length}** apprentices get their tools within the limits${within === input.plan.apprentices.length ? " — all of them." : "."}`);
  }
  const asked = new Set(input.state.needsInfo);
  const understood = new Set(input.state.evidence.entries.map((e) => e.issue).filter((n) => !asked.has(n))).size;
  const needsInfo = asked.size;
  if (understood + needsInfo > 0) lines.push(`💬 **${understood} of ${understood + needsInfo}** feedback issues understood without asking for more.`);
  const merged = records.filter((r) => r.status === "merged").length;
  const open = input.evidence.keys.filter((k) => k.missing.count > 0 && !records.some((r) => r.status === "merged" && r.id === `${k.apprentice_type}/add-${k.tool}`)).length;
  lines.push(`🌱 **${merged}** need${merged === 1 ? "" : "s"} met by merged proposals; ${open} still open.`);
  const unused = unusedRows(input.evidence).length;
  lines.push(unused ? `🧹 **${unused}** tool${unused === 1 ? "" : "s"} given but unused — candidates to lighten an apprentice's load.` : "🧹 No tool given in vain in the recorded sessions.");
  return lines.join("\n");
}

function chart(input: DashboardInput): string {
  const top = input.evidence.keys.filter((k) => k.missing.count > 0).sort((a, b) => b.missing.weight - a.missing.weight || cmpKey(a, b)).slice(0, 8);
  if (top.length < 2) return "";
  // Mermaid reads markup in labels: only name characters go in.
  const label = (k: KeyEvidence) => JSON.stringify(`${k.apprentice_type}/${k.tool}`.replace(/[^\w.:/ -]/g, "").slice(0, 30));
  return ["```mermaid", "xychart-beta", '  title "Strongest needs (bars) and the threshold to propose (line)"', `  x-axis [${top.map(label).join(", ")}]`, `  y-axis "weight" 0 --> ${Math.ceil(Math.max(input.thresholds.add, ...top.map((k) => k.missing.weight)))}`, `  bar [${top.map((k) => w(k.missing.weight)).join(", ")}]`, `  line [${top.map(() => input.thresholds.add).join(", ")}]`, "```"].join("\n");
}

function heartbeat(s: DashboardState): string {
  const d = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");
  return `Last feedback ${d(s.heartbeat.last_feedback)} · last proposal ${d(s.heartbeat.last_proposal)} · last full rebuild ${d(s.heartbeat.last_rebuild)}`;
}

/** The dashboard issue's body: every section rendered from the same values, state hidden at the end. */
export function renderDashboard(input: DashboardInput): string {
  const records = Object.values(input.state.proposals).sort((a, b) => (a.id < b.id ? -1 : 1));
  const rows = input.rows ?? ROWS;
  const parts = [
    DASHBOARD_MARKER,
    "## Apprentice tools: what the apprentices are telling us",
    `_${heartbeat(input.state)}_`,
    measures(input, records),
    needsSection(input, rows),
    chart(input),
    problemsSection(input.evidence, rows),
    suggestionsSection(input, rows),
    unusedSection(input.evidence, input.thresholds.remove_unused, rows),
    proposalsSection(records, rows),
    `---\n\n- [ ] ${REBUILD_MARKER} Rebuild this dashboard from every feedback issue (tick to run)`,
    `${STATE_OPEN}${input.stateBlob}${STATE_CLOSE}`,
  ];
  return parts.filter(Boolean).join("\n\n") + "\n";
}

export interface FittedDashboard {
  body: string;
  /** The state as stored: the input's, or with its oldest evidence left out to fit. */
  state: DashboardState;
  /** Evidence entries left out of the stored state. */
  dropped: number;
}

/** The state keeping only its `keep` most recent evidence entries. */
function keepRecent(state: DashboardState, keep: number): DashboardState {
  const entries = state.evidence.entries;
  if (keep >= entries.length) return state;
  const kept = new Set([...entries].sort(compareRecency).slice(0, Math.max(0, keep)));
  return { ...state, evidence: { ...state.evidence, entries: entries.filter((e) => kept.has(e)).sort(compareEntries) } };
}

/**
 * The dashboard's body within GitHub's limit. The hidden state gives way first, its oldest
 * entries (which weigh least) left out; the tables shorten only when they alone would take
 * more than half the room. `encode` turns a state into its hidden text (the shell compresses).
 */
export function renderDashboardWithin(input: Omit<DashboardInput, "stateBlob" | "rows">, encode: (state: DashboardState) => string, limit = BODY_LIMIT): FittedDashboard {
  const render = (state: DashboardState, rows: number) => renderDashboard({ ...input, state, rows, stateBlob: encode(state) });
  const first = render(input.state, ROWS);
  if (first.length <= limit) return { body: first, state: input.state, dropped: 0 };
  let rows = ROWS;
  while (rows > 1 && renderDashboard({ ...input, rows, stateBlob: "" }).length > limit / 2) rows = Math.floor(rows / 2);
  const total = input.state.evidence.entries.length;
  // The most entries that fit: a binary search over how many of the most recent are kept.
  let lo = 0;
  let hi = total;
  let best: { body: string; state: DashboardState } | undefined;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const state = keepRecent(input.state, mid);
    const body = render(state, rows);
    if (body.length <= limit) {
      best = { body, state };
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (best) return { ...best, dropped: total - best.state.evidence.entries.length };
  // Even an empty evidence state is too long: only open proposals are kept in memory.
  const open = Object.fromEntries(Object.entries(input.state.proposals).filter(([, r]) => r.status === "open"));
  const bare = { ...keepRecent(input.state, 0), proposals: open, needsInfo: input.state.needsInfo.slice(-100) };
  return { body: render(bare, 1), state: bare, dropped: total };
}

/** The hidden state's text in a dashboard body, if there is one (the marker must start a line). */
export function extractStateBlob(body: string): string | undefined {
  const at = body.lastIndexOf(`\n${STATE_OPEN}`);
  const start = at === -1 ? (body.startsWith(STATE_OPEN) ? 0 : -1) : at + 1;
  if (start === -1) return undefined;
  const end = body.indexOf(STATE_CLOSE, start + STATE_OPEN.length);
  return end === -1 ? undefined : body.slice(start + STATE_OPEN.length, end).trim();
}

/** True when someone ticked the rebuild box (a line of its own: text quoted in a table cannot tick it). */
export function rebuildRequested(body: string): boolean {
  return new RegExp(`^- \\[[xX]\\] ${REBUILD_MARKER}`, "m").test(body);
}
