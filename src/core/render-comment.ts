import { groupDigits } from "./render-text.js";
import type { Finding } from "./finding.js";
import { details, mdCode, mdText } from "./markdown.js";
import type { ApprenticeDiff, ApprenticePlan, PlanDiff } from "./plan.js";
import { findingPlace } from "./render-markdown.js";

/** Hidden marker that finds the action's sticky pull-request comment. */
export const PLAN_COMMENT_MARKER = "<!-- apprentice-tools:plan -->";

/** GitHub refuses comment and pull-request bodies over 65,536 characters. */
export const GITHUB_BODY_LIMIT = 65_536;

export interface PlanCommentInput {
  diff: PlanDiff;
  /** Findings at the head; its errors are listed. */
  findings?: readonly Finding[];
  /** Put first, to find the comment again; `null` for none (e.g. a pull request body). */
  marker?: string | null;
  /** Trusted markdown from the caller (the heading's text). */
  title?: string;
  /** Trusted markdown from the caller, e.g. a link to the run. */
  footer?: string;
  /** The most characters the result may have (measured in UTF-8 bytes, which is never fewer). */
  limit?: number;
}

const KIND: Record<Exclude<ApprenticeDiff["kind"], "unchanged">, string> = { added: "🆕 new", removed: "🗑️ removed", changed: "✏️ changed" };
const MAX_ERRORS_LISTED = 20;
const MAX_TOOL_ROWS = 100;
const NAMES_IN_TABLE = 3;
/** Kept free for the truncation note. */
const NOTE_RESERVE = 400;

/** Length in UTF-8 bytes: never less than the count GitHub applies, however it counts. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Inline code for names that came from files: no HTML comment or tag can be formed. */
function code(text: string): string {
  return mdCode(text.replace(/</g, "‹").replace(/>/g, "›"));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const capacity = (a: ApprenticePlan | undefined) => (a ? `${a.capacity.used}/${a.capacity.available}` : "—");

function names(list: readonly string[]): string {
  const shown = list.slice(0, NAMES_IN_TABLE).map(code).join(" ");
  return list.length > NAMES_IN_TABLE ? `${shown} +${list.length - NAMES_IN_TABLE}` : shown;
}

function status(d: ApprenticeDiff): string {
  const before = d.before?.status;
  const after = d.after?.status;
  if (before && after && before !== after) return `${before} → **${after}**`;
  return after ?? before ?? "";
}

function errorsIn(file: string | undefined, errors: readonly Finding[]): number {
  return file === undefined ? 0 : errors.filter((f) => f.file === file).length;
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function summaryRow(d: ApprenticeDiff, errors: readonly Finding[]): string {
  const tools = [d.added.length ? `➕ ${names(d.added)}` : "", d.removed.length ? `➖ ${names(d.removed)}` : ""].filter(Boolean).join("<br>") || "—";
  const n = errorsIn(d.after?.file, errors);
  return tableRow([code(d.apprentice_type), KIND[d.kind as keyof typeof KIND], `${capacity(d.before)} → ${capacity(d.after)}`, tools, status(d), n ? `❌ ${n}` : ""]);
}

function apprenticeDetails(d: ApprenticeDiff): string {
  const rows = [...d.added.map((t) => ["➕", code(t), mdText(d.addedWhy[t] ?? "")]), ...d.removed.map((t) => ["➖", code(t), mdText(d.removedWhy[t] ?? "")])];
  const shown = rows.slice(0, MAX_TOOL_ROWS).map(tableRow);
  const more = rows.length > shown.length ? `\n\n…and ${rows.length - shown.length} more tool changes.` : "";
  const table = rows.length ? `| | Tool | Why |\n| --- | --- | --- |\n${shown.join("\n")}${more}` : "No tool changes.";
  const missing = d.after?.missing_required.length ? `\n\n⚠️ Missing required: ${d.after.missing_required.slice(0, MAX_TOOL_ROWS).map(code).join(", ")}` : "";
  const head = `${mdText(d.apprentice_type, 80)}: ${d.added.length} added, ${d.removed.length} removed · capacity ${capacity(d.before)} → ${capacity(d.after)}`;
  return details(head, table + missing);
}

function errorItem(f: Finding): string {
  const next = f.next_steps[0] ? ` → ${mdText(f.next_steps[0], 200)}` : "";
  return `- ${code(findingPlace(f))} ${mdText(f.message, 300)}${next}`;
}

/** Adds parts while they fit, overall and within a section's share; remembers what it left out. */
class Budget {
  omitted = 0;
  private sectionLeft = Infinity;
  constructor(private left: number) {}
  /** Starts a section that may use at most `share` of what is left. */
  section(share: number): void {
    this.sectionLeft = Math.floor(this.left * share);
  }
  fits(text: string): boolean {
    const n = utf8Length(text) + 2;
    if (n > this.left || n > this.sectionLeft) {
      this.omitted++;
      return false;
    }
    this.left -= n;
    this.sectionLeft -= n;
    return true;
  }
}

function clip(text: string, limit: number): string {
  if (utf8Length(text) <= limit) return text;
  const note = "\n\n…(truncated)";
  let cut = Math.max(0, limit - utf8Length(note));
  while (cut > 0 && utf8Length(text.slice(0, cut)) > limit - utf8Length(note)) cut = Math.floor(cut * 0.9);
  return text.slice(0, cut) + note;
}

/**
 * What a pull request changes, apprentice by apprentice: tools added and removed and
 * why, capacity before → after, and the errors at its head. Detail is folded into
 * `<details>`, and the body is cut to fit `limit` with a note saying so. Everything that
 * came from a file is escaped: it cannot break the markdown, mention anyone or forge the
 * marker.
 */
export function renderPlanComment(input: PlanCommentInput): string {
  const limit = input.limit ?? GITHUB_BODY_LIMIT;
  const marker = input.marker === undefined ? PLAN_COMMENT_MARKER : input.marker;
  const changed = input.diff.apprentices.filter((d) => d.kind !== "unchanged");
  const errors = (input.findings ?? []).filter((f) => f.severity === "error");
  const prefix = marker ? `${marker}\n` : "";
  if (changed.length === 0 && errors.length === 0) return clip(`${prefix}✅ No apprentice's tools change in this pull request.`, limit);

  const count = (kind: ApprenticeDiff["kind"]) => changed.filter((d) => d.kind === kind).length;
  const unchanged = input.diff.apprentices.length - changed.length;
  const what = changed.length
    ? `This pull request changes the tools of **${plural(changed.length, "apprentice")}** (${count("added")} new, ${count("changed")} changed, ${count("removed")} removed${unchanged ? `; ${unchanged} unchanged` : ""}).`
    : "✅ No apprentice's tools change in this pull request.";
  const errorLine = errors.length ? ` ❌ **${plural(errors.length, "error")}** in the manifests.` : "";
  const top = [`${prefix}### ${input.title ?? "🧰 apprentice-tools plan"}`, what + errorLine];
  const footer = input.footer ? [input.footer] : [];
  const budget = new Budget(limit - utf8Length([...top, ...footer].join("\n\n")) - NOTE_RESERVE);
  const parts = [...top];

  // The table gets at most half the room, the errors most of what is left, the detail the rest.
  if (changed.length) {
    budget.section(0.5);
    const header = "| Apprentice | Change | Capacity | Tools | Status | Errors |\n| --- | --- | --- | --- | --- | --- |";
    if (budget.fits(header)) {
      const rows: string[] = [];
      for (const d of changed) {
        const row = summaryRow(d, errors);
        if (!budget.fits(row)) break;
        rows.push(row);
      }
      const missing = changed.length - rows.length;
      if (missing > 0) budget.omitted += missing - 1;
      parts.push(`${header}\n${rows.join("\n")}${missing ? `\n\n…and ${plural(missing, "more apprentice")} change.` : ""}`);
    }
  }

  if (errors.length) {
    budget.section(0.6);
    const items: string[] = [];
    for (const f of errors.slice(0, MAX_ERRORS_LISTED)) {
      const item = errorItem(f);
      if (!budget.fits(item)) break;
      items.push(item);
    }
    const rest = errors.length - items.length;
    if (rest) items.push(`- …and ${plural(rest, "more error")}: see the check's annotations and job summary.`);
    parts.push(`#### ❌ Errors\n\n${items.join("\n")}`);
  }

  budget.section(1);
  const blocks: string[] = [];
  for (const d of changed) {
    const block = apprenticeDetails(d);
    if (!budget.fits(block)) {
      budget.omitted += changed.length - blocks.length - 1;
      break;
    }
    blocks.push(block);
  }
  if (blocks.length) parts.push(blocks.join("\n\n"));

  if (budget.omitted > 0) parts.push(`> [!NOTE]\n> Shortened to fit GitHub's ${groupDigits(GITHUB_BODY_LIMIT)}-character limit: ${plural(budget.omitted, "part")} left out. The job summary of the check has the full plan.`);
  return clip([...parts, ...footer].join("\n\n"), limit);
}
