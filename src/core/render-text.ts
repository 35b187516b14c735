import type { Finding, FindingSummary } from "./finding.js";
import { describeExclusion, describeSource, type ApprenticePlan, type Plan, type PlanDiff } from "./plan.js";
import { groupDigits } from "./group-digits.js";

export { groupDigits };

/** `█████░░░ 12/45`: how full an apprentice's tool capacity is. */
export function capacityBar(used: number, available: number, width = 20): string {
  const ratio = available > 0 ? Math.min(1, used / available) : used > 0 ? 1 : 0;
  // Any use shows at least one block, and only a full apprentice shows a full bar.
  const rounded = Math.round(ratio * width);
  const filled = used > 0 && rounded === 0 ? 1 : used < available && rounded === width ? width - 1 : rounded;
  return `${"█".repeat(filled)}${"░".repeat(width - filled)} ${used}/${available}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** A plain table: columns padded to their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], indent = "  "): string {
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? "").length), h.length));
  const line = (cells: readonly string[]) => indent + cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)].join("\n");
}

/** Source text by file, for showing the offending line under a finding. */
export type SourceLines = (file: string) => readonly string[] | undefined;

/** How much of a source line is shown under a finding. */
const SHOWN_LINE = 160;

/**
 * The part of a long line around columns [col, end) (1-based), marked `…` where cut, and
 * the columns within it. A one-line list of thousands of tools is one line: shown whole
 * under each of its findings, it once made the report too long for a string.
 */
function lineWindow(src: string, col: number, end: number): { text: string; col: number; end: number } {
  if (src.length <= SHOWN_LINE) return { text: src, col, end };
  const from = Math.max(0, Math.min(col - 1 - 40, src.length - SHOWN_LINE));
  const to = Math.min(src.length, from + SHOWN_LINE);
  const lead = from > 0 ? "…" : "";
  const text = `${lead}${src.slice(from, to)}${to < src.length ? "…" : ""}`;
  const shift = lead.length - from;
  return { text, col: col + shift, end: Math.min(end, to + 1) + shift };
}

/** actionlint style: `file:line:col: severity: message [code]`, the line underlined, then why and what to do. */
export function renderFindingsText(findings: readonly Finding[], summary: FindingSummary, lines?: SourceLines): string {
  const out: string[] = [];
  for (const f of findings) {
    const place = f.line !== undefined ? `${f.file}:${f.line}:${f.column ?? 1}` : f.file;
    out.push(`${place}: ${f.severity}: ${f.message} [${f.code}]`);
    const src = f.line !== undefined ? lines?.(f.file)?.[f.line - 1] : undefined;
    if (src !== undefined && src.trim() !== "") {
      const col = Math.max(1, f.column ?? 1);
      const end = f.endLine === f.line && f.endColumn !== undefined ? Math.max(f.endColumn, col + 1) : src.length + 1;
      const shown = lineWindow(src, col, end);
      const gutter = String(f.line).padStart(4);
      out.push(`${gutter} | ${shown.text}`);
      out.push(`${" ".repeat(gutter.length)} | ${" ".repeat(shown.col - 1)}${"^".repeat(Math.max(1, shown.end - shown.col))}`);
    }
    out.push(`  why: ${f.guidance}`);
    for (const step of f.next_steps) out.push(`  fix: ${step}`);
    out.push("");
  }
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const verdict = summary.errors > 0 ? "✗" : "✓";
  out.push(`${verdict} ${count(summary.files, "manifest")} checked: ${count(summary.errors, "error")}, ${count(summary.warnings, "warning")}, ${count(summary.notices, "notice")}.`);
  return out.join("\n");
}

const STATUS: Record<ApprenticePlan["status"], string> = { ok: "ok", degraded: "DEGRADED", invalid: "INVALID" };

function apprenticeText(a: ApprenticePlan): string {
  const out: string[] = [];
  const tokens = a.tokens === null ? "" : `   ~${groupDigits(a.tokens)} tokens${a.max_tokens !== null ? ` of ${groupDigits(a.max_tokens)}` : ""}`;
  out.push(`${a.apprentice_type} [${STATUS[a.status]}]  ${a.file}`);
  out.push(`  ${capacityBar(a.capacity.used, a.capacity.available)} tools${tokens}`);
  if (a.missing_required.length) out.push(`  ⚠ missing required: ${a.missing_required.join(", ")}`);
  out.push("");
  const subs = new Map(a.substitutions.map((s) => [s.with, s.tool]));
  const rows = a.tools.map((t, i) => [String(i + 1), t, subs.has(t) ? `alternative to ${subs.get(t)}` : describeSource(a.sources[t])]);
  out.push(rows.length ? textTable(["#", "TOOL", "WHY"], rows) : "  (no tools)");
  if (a.excluded.length) {
    out.push("");
    out.push(textTable(["EXCLUDED", "REASON"], a.excluded.map((e) => [e.tool, describeExclusion(e)])));
  }
  if (a.changes && (a.changes.added.length || a.changes.removed.length)) {
    out.push("");
    out.push(`  changes: ${[...a.changes.added.map((t) => `+${t}`), ...a.changes.removed.map((t) => `-${t}`)].join(" ")}`);
  }
  return out.join("\n");
}

export function renderPlanText(plan: Plan): string {
  const l = plan.limits;
  const head = `Provisioning plan: ${plan.apprentices.length} apprentice${plan.apprentices.length === 1 ? "" : "s"}, limits max_tools ${l.max_tools} − safety_margin ${l.safety_margin}${l.max_tokens !== null ? `, max_tokens ${l.max_tokens}` : ""}`;
  return [head, "", ...plan.apprentices.map(apprenticeText).join("\n\n").split("\n")].join("\n") + "\n";
}

export function renderDiffText(diff: PlanDiff): string {
  const changed = diff.apprentices.filter((d) => d.kind !== "unchanged");
  if (changed.length === 0) return "No apprentice's tools change.\n";
  const out: string[] = [];
  for (const d of changed) {
    const cap = (a?: ApprenticePlan) => (a ? `${a.capacity.used}/${a.capacity.available}` : "—");
    out.push(`${d.apprentice_type} (${d.kind}): ${cap(d.before)} → ${cap(d.after)}`);
    for (const t of d.added) out.push(`  + ${t}  (${d.addedWhy[t] ?? ""})`);
    for (const t of d.removed) out.push(`  - ${t}  (${d.removedWhy[t] ?? ""})`);
  }
  return out.join("\n") + "\n";
}
