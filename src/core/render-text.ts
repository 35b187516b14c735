import type { Finding, FindingSummary } from "./finding.js";
import { describeExclusion, describeSource, type ApprenticePlan, type Plan, type PlanDiff } from "./plan.js";
import { groupDigits } from "./group-digits.js";
import type { WritePiece } from "./pieces.js";

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

/** How many findings of one file the text report shows; `--format json` has every one. */
export const TEXT_FINDINGS_PER_FILE = 100;


const count = (n: number, word: string) => `${groupDigits(n)} ${word}${n === 1 ? "" : "s"}`;

/** One finding in actionlint style: `file:line:col: severity: message [code]`, the line underlined, then why and what to do. */
function findingText(f: Finding, lines: SourceLines | undefined): string {
  const place = f.line !== undefined ? `${f.file}:${f.line}:${f.column ?? 1}` : f.file;
  let out = `${place}: ${f.severity}: ${f.message} [${f.code}]\n`;
  const src = f.line !== undefined ? lines?.(f.file)?.[f.line - 1] : undefined;
  if (src !== undefined && src.trim() !== "") {
    const col = Math.max(1, f.column ?? 1);
    const end = f.endLine === f.line && f.endColumn !== undefined ? Math.max(f.endColumn, col + 1) : src.length + 1;
    const shown = lineWindow(src, col, end);
    const gutter = String(f.line).padStart(4);
    out += `${gutter} | ${shown.text}\n`;
    out += `${" ".repeat(gutter.length)} | ${" ".repeat(shown.col - 1)}${"^".repeat(Math.max(1, shown.end - shown.col))}\n`;
  }
  out += `  why: ${f.guidance}\n`;
  for (const step of f.next_steps) out += `  fix: ${step}\n`;
  return `${out}\n`;
}

/** The line that stands for a file's findings past the first `shown`. */
function moreText(file: string, hidden: Record<Finding["severity"], number>, shown: number): string {
  const total = hidden.error + hidden.warning + hidden.notice;
  const kinds = [hidden.error ? count(hidden.error, "error") : "", hidden.warning ? count(hidden.warning, "warning") : "", hidden.notice ? count(hidden.notice, "notice") : ""].filter(Boolean).join(", ");
  return `${file}: … and ${count(total, "more finding")} (${kinds}) not shown: the text report shows the first ${shown} of each file; \`--format json\` lists them all.\n\n`;
}

/**
 * The text report (see findingText), then the verdict line, written piece by piece and
 * ending with a line break. At most `perFile` findings of each file are shown (the
 * findings come sorted by file); one line stands for the rest, and the verdict counts all.
 */
export function writeFindingsText(findings: readonly Finding[], summary: FindingSummary, write: WritePiece, lines?: SourceLines, perFile = TEXT_FINDINGS_PER_FILE): void {
  let file: string | undefined;
  let shown = 0;
  const hidden: Record<Finding["severity"], number> = { error: 0, warning: 0, notice: 0 };
  const flushHidden = () => {
    if (file !== undefined && hidden.error + hidden.warning + hidden.notice > 0) write(moreText(file, hidden, perFile));
    hidden.error = hidden.warning = hidden.notice = 0;
  };
  for (const f of findings) {
    if (f.file !== file) {
      flushHidden();
      file = f.file;
      shown = 0;
    }
    if (shown < perFile) {
      shown++;
      write(findingText(f, lines));
    } else hidden[f.severity]++;
  }
  flushHidden();
  const verdict = summary.errors > 0 ? "✗" : "✓";
  write(`${verdict} ${plainCount(summary.files, "manifest")} checked: ${plainCount(summary.errors, "error")}, ${plainCount(summary.warnings, "warning")}, ${plainCount(summary.notices, "notice")}.\n`);
}

const plainCount = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The text report (writeFindingsText) as one string, without its last line break. */
export function renderFindingsText(findings: readonly Finding[], summary: FindingSummary, lines?: SourceLines, perFile = TEXT_FINDINGS_PER_FILE): string {
  const pieces: string[] = [];
  writeFindingsText(findings, summary, (piece) => pieces.push(piece), lines, perFile);
  return pieces.join("").slice(0, -1);
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

/** The plan as text, written one apprentice at a time (a fleet's plan can be longer than a string can be). */
export function writePlanText(plan: Plan, write: WritePiece): void {
  const l = plan.limits;
  write(`Provisioning plan: ${plan.apprentices.length} apprentice${plan.apprentices.length === 1 ? "" : "s"}, limits max_tools ${l.max_tools} − safety_margin ${l.safety_margin}${l.max_tokens !== null ? `, max_tokens ${l.max_tokens}` : ""}\n\n`);
  plan.apprentices.forEach((a, i) => write(`${i > 0 ? "\n\n" : ""}${apprenticeText(a)}`));
  write("\n");
}

export function renderPlanText(plan: Plan): string {
  const pieces: string[] = [];
  writePlanText(plan, (piece) => pieces.push(piece));
  return pieces.join("");
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
