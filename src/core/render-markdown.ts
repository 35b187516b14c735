import type { Finding, FindingSummary } from "./finding.js";
import { details, mdCode, mdTable, mdText } from "./markdown.js";
import { describeExclusion, describeSource, type ApprenticePlan, type Plan } from "./plan.js";
import { capacityBar, groupDigits } from "./render-text.js";

const STATUS_ICON: Record<ApprenticePlan["status"], string> = { ok: "✅ ok", degraded: "⚠️ degraded", invalid: "❌ invalid" };
const SEVERITY_ICON: Record<Finding["severity"], string> = { error: "❌ error", warning: "⚠️ warning", notice: "ℹ️ notice" };

export function findingPlace(f: Finding): string {
  return f.line !== undefined ? `${f.file}:${f.line}:${f.column ?? 1}` : f.file;
}

export function renderFindingsMarkdown(findings: readonly Finding[], summary: FindingSummary, limit = 200): string {
  if (findings.length === 0) return `✅ ${summary.files} manifest${summary.files === 1 ? "" : "s"} checked: no findings.`;
  const rows = findings.slice(0, limit).map((f) => [SEVERITY_ICON[f.severity], mdCode(findingPlace(f)), mdText(f.message, 300), mdText(f.next_steps[0] ?? "", 200), mdCode(f.code)]);
  const more = findings.length > limit ? `\n\n…and ${findings.length - limit} more (see the job log).` : "";
  return `**${summary.errors} error${summary.errors === 1 ? "" : "s"}, ${summary.warnings} warning${summary.warnings === 1 ? "" : "s"}, ${summary.notices} notice${summary.notices === 1 ? "" : "s"}** in ${summary.files} manifest${summary.files === 1 ? "" : "s"}\n\n${mdTable(["", "Where", "What", "Next step", "Rule"], rows)}${more}`;
}

export function renderApprenticeMarkdown(a: ApprenticePlan): string {
  const tokens = a.tokens === null ? "" : ` · ~${groupDigits(a.tokens)} tokens${a.max_tokens !== null ? ` of ${groupDigits(a.max_tokens)}` : ""}`;
  const head = `### ${mdText(a.apprentice_type)} — ${STATUS_ICON[a.status]}\n\n\`${capacityBar(a.capacity.used, a.capacity.available)}\` tools${tokens} · ${mdCode(a.file)}`;
  const missing = a.missing_required.length ? `\n\n⚠️ Missing required: ${a.missing_required.map((t) => mdCode(t)).join(", ")}` : "";
  const subs = new Map(a.substitutions.map((s) => [s.with, s.tool]));
  const tools = a.tools.length
    ? mdTable(["#", "Tool", "Why"], a.tools.map((t, i) => [String(i + 1), mdCode(t), mdText(subs.has(t) ? `alternative to ${subs.get(t)}` : describeSource(a.sources[t]))]))
    : "_No tools._";
  const excluded = a.excluded.length ? "\n\n" + details(`Excluded (${a.excluded.length})`, mdTable(["Tool", "Reason"], a.excluded.map((e) => [mdCode(e.tool), mdText(describeExclusion(e))]))) : "";
  return `${head}${missing}\n\n${tools}${excluded}`;
}

/** Tools per apprentice against its capacity, as a Mermaid bar chart. */
export function renderCapacityChart(plan: Plan): string {
  if (plan.apprentices.length === 0) return "";
  const names = plan.apprentices.map((a) => JSON.stringify(a.apprentice_type.slice(0, 24)));
  const used = plan.apprentices.map((a) => a.capacity.used);
  const cap = plan.apprentices.map((a) => a.capacity.available);
  // A loop, not a spread: a fleet of a hundred thousand apprentices would overflow the stack.
  let top = 1;
  for (const a of plan.apprentices) top = Math.max(top, a.capacity.available, a.capacity.used);
  return ["```mermaid", "xychart-beta", '  title "Tools per apprentice (bars) against capacity (line)"', `  x-axis [${names.join(", ")}]`, `  y-axis "tools" 0 --> ${top}`, `  bar [${used.join(", ")}]`, `  line [${cap.join(", ")}]`, "```"].join("\n");
}

/**
 * The plan as Markdown, in pieces: the limits, the summary table, the chart, then each
 * apprentice. A fleet's plan can be longer than a string can be; a reader with a budget
 * (the job summary) stops when it has enough.
 */
export function* planMarkdownPieces(plan: Plan, opts: { chart?: boolean } = {}): Generator<string, void, undefined> {
  const l = plan.limits;
  const summaryRows = plan.apprentices.map((a) => [mdText(a.apprentice_type), STATUS_ICON[a.status], `\`${capacityBar(a.capacity.used, a.capacity.available, 12)}\``, a.tokens === null ? "—" : groupDigits(a.tokens), String(a.excluded.length)]);
  yield `## Provisioning plan\n\nLimits: max_tools ${l.max_tools} − safety_margin ${l.safety_margin}${l.max_tokens !== null ? `, max_tokens ${l.max_tokens}` : ""}.`;
  yield `\n\n${plan.apprentices.length ? mdTable(["Apprentice", "Status", "Capacity", "Tokens", "Excluded"], summaryRows) : "_No manifests._"}`;
  if (opts.chart !== false && plan.apprentices.length > 1) yield `\n\n${renderCapacityChart(plan)}`;
  for (const a of plan.apprentices) yield `\n\n${renderApprenticeMarkdown(a)}`;
  yield "\n";
}

export function renderPlanMarkdown(plan: Plan, opts: { chart?: boolean } = {}): string {
  return [...planMarkdownPieces(plan, opts)].join("");
}
