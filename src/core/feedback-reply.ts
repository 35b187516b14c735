import type { FeedbackKind } from "./feedback-entry.js";
import { MAX_BODY_BYTES, MAX_ENTRIES_PER_BODY } from "./feedback-parse.js";
import type { Triage, TriagedEntry } from "./feedback-triage.js";
import { mdCode, mdTable, mdText } from "./markdown.js";

/** Hidden markers the bot finds its own comments by (only in comments the bot wrote). */
export const REPLY_MARKER = "<!-- apprentice-tools:feedback-reply -->";
export const OWNERS_MARKER = "<!-- apprentice-tools:owners-notified -->";
/** The labels the bot applied, kept in its reply so that it only ever removes its own. */
const LABELS_STATE = "<!-- apprentice-tools:labels ";

/** GitHub refuses a comment longer than this many characters. */
export const MAX_COMMENT_CHARS = 65_536;
/** Table rows and needs-info lines are cut at these sizes, so the reply stays well under the cap. */
const MAX_ROWS = 50;
const TABLE_BUDGET = 36_000;
const MAX_NEEDS = 20;
const NEEDS_BUDGET = 14_000;

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

/**
 * Inline code for text someone else wrote: no backtick or pipe can break out of it, no
 * `<` can open HTML or a hidden marker in the raw comment, no `@` reads as a mention.
 */
function code(text: string, max = 130): string {
  return mdCode(text.replace(/</g, "‹").replace(/>/g, "›").replace(/@/g, "@\u200b"), max);
}

/**
 * A message that quotes names in backticks (e.g. "did you mean `x`?"): the quoted parts
 * become safe inline code, the rest safe text. Every piece is escaped whichever way the
 * backticks pair up, so a name with backticks in it can only change the look.
 */
function prose(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  const parts = cut.split("`");
  if (parts.length % 2 === 0) return mdText(cut, max + 1);
  return parts.map((p, i) => (i % 2 === 1 ? code(p, max) : mdText(p, max + 1))).join("");
}

function detail(t: TriagedEntry): string {
  const e = t.entry;
  if (e.kind === "tool-suggestion") return `use ${e.suggested_tool ? code(e.suggested_tool) : "(no tool given)"} instead${e.text ? `: ${mdText(e.text, 120)}` : ""}`;
  const sev = e.severity ? `**${e.severity}** — ` : "";
  return `${sev}${mdText(e.text || "—", 140)}`;
}

function status(t: TriagedEntry): string {
  if (t.verdict === "needs-info") return "❓ needs info";
  if (t.forbiddenBy) return "🚫 forbidden by policy";
  if (t.critical) return "🔴 critical";
  return "✅ recorded";
}

/** Names shown without pinging anyone (inside code, `@` disarmed). */
function names(list: readonly string[]): string {
  return list.map((o) => code(o, 80)).join(", ");
}

/** A khipu example to copy, with a type this repository knows. */
function example(type: string): string {
  return [
    "```markdown",
    `**Apprentice**: ${type}`,
    "**Missing Tool**: `ast_parse` - Needed for: reading the structure of Python files",
    "**Tool Problem**: `file_search` - Issue: times out on large folders",
    "**Tool Suggestion**: Replace `regex_search` with `treesitter` - Reason: understands syntax",
    "```",
  ].join("\n");
}

/** Takes items while they fit both a count and a character budget; says how many were left out. */
function within<T>(items: readonly T[], maxCount: number, budget: number, size: (item: T) => number): { kept: T[]; left: number } {
  const kept: T[] = [];
  let used = 0;
  for (const item of items) {
    const n = size(item) + 1;
    if (kept.length >= maxCount || used + n > budget) break;
    kept.push(item);
    used += n;
  }
  return { kept, left: items.length - kept.length };
}

const textLength = (s: string) => s.length;
const rowLength = (cells: readonly string[]) => cells.reduce((n, c) => n + c.length + 3, 2);

function labelsState(triage: Triage): string {
  // Label names the bot makes hold no `<`, `>` or `--`; JSON keeps any other character inert.
  const json = JSON.stringify(triage.labels.map((l) => l.name)).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/--/g, "-\\u002d");
  return `${LABELS_STATE}${json} -->`;
}

/** The labels a reply of the bot's says it applied; undefined when it records none. */
export function labelsInReply(body: string): string[] | undefined {
  const start = body.indexOf(LABELS_STATE);
  if (start < 0) return undefined;
  const end = body.indexOf(" -->", start);
  if (end < 0) return undefined;
  try {
    const value: unknown = JSON.parse(body.slice(start + LABELS_STATE.length, end));
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
  } catch {
    return undefined;
  }
}

/** The bot's one reply on a feedback issue: short, warm, and exact about what happens next. */
export function renderFeedbackReply(triage: Triage, ctx: ReplyContext): string {
  const out: string[] = [`${REPLY_MARKER}\n${labelsState(triage)}`];
  if (triage.entries.length === 0 && triage.bodyProblems.length === 0) {
    out.push("I no longer find any apprentice feedback in this issue, so nothing from it counts as evidence any more. If that is a mistake, edit the issue and I will read it again.");
    return finish(out);
  }
  const accepted = triage.entries.filter((t) => t.verdict === "accepted");
  if (triage.entries.length === 0) out.push("Thank you for this feedback. I could not read it yet:");
  else if (accepted.length === triage.entries.length) out.push("Thank you — this feedback is recorded. Here is what I understood:");
  else out.push("Thank you for this feedback. I understood part of it; some of it needs a little more detail:");
  if (triage.entries.length) {
    const cells = triage.entries.map((t) => [KIND_WORD[t.entry.kind], t.entry.apprentice_type ? code(t.entry.apprentice_type, 64) : "—", t.entry.tool ? code(t.entry.tool, 80) : "—", detail(t), status(t)]);
    const rows = within(cells, MAX_ROWS, TABLE_BUDGET, rowLength);
    out.push(mdTable(["Kind", "Apprentice", "Tool", "Detail", "Status"], rows.kept));
    const shown = rows.kept.length;
    if (shown < triage.entries.length || triage.truncated) {
      out.push(`_Only the first ${shown} entries are shown${triage.truncated ? `; the issue was longer than I read (${MAX_ENTRIES_PER_BODY} entries or ${MAX_BODY_BYTES / 1024} KiB at most), so split very long reports into several issues` : ""}._`);
    }
  }
  for (const t of accepted.filter((x) => x.forbiddenBy).slice(0, 10)) {
    const type = t.entry.apprentice_type ?? "";
    const place = ctx.patternPlace?.(type, t.forbiddenBy as string);
    const owners = ctx.ownersOf?.(type) ?? [];
    out.push(`🚫 ${code(t.entry.tool)} is **forbidden by policy** for ${code(type)}: the pattern ${code(t.forbiddenBy as string)}${place ? ` in ${code(place)}` : ""} excludes it. Your feedback still counts as evidence and shows on the dashboard, but I will not propose adding this tool; ${owners.length ? `its owners (${names(owners)})` : "the maintainers of that manifest"} can change the policy in a pull request.`);
  }
  const missing = triage.entries.filter((t) => t.verdict === "needs-info");
  if (missing.length || triage.bodyProblems.length) {
    out.push(accepted.length ? "**To act on the rest, I need:**" : "**To act on it, I need:**");
    const needs = within(
      [...missing.map((t) => `- ${KIND_WORD[t.entry.kind]}${t.entry.tool ? ` ${code(t.entry.tool, 80)}` : ""}: ${t.missing.map((m) => prose(m, 300)).join("; ")}`), ...triage.bodyProblems.map((p) => `- ${prose(p, 300)}`)],
      MAX_NEEDS,
      NEEDS_BUDGET,
      textLength,
    );
    out.push(needs.kept.join("\n") + (needs.left ? `\n- _…and ${needs.left} more like these._` : ""));
    const type = missing.find((t) => t.suggestedType)?.suggestedType ?? [...ctx.knownTypes].sort()[0] ?? "python_patterns";
    out.push(`Edit the issue (I will read it again), for example:\n\n${example(type)}`);
  }
  const next: string[] = [];
  for (const t of accepted) {
    const ev = ctx.evidenceFor?.(t);
    if (!ev || t.forbiddenBy) continue;
    const what = t.entry.kind === "missing-tool" ? `adding ${code(t.entry.tool)} to ${code(t.entry.apprentice_type ?? "")}` : t.entry.kind === "tool-suggestion" ? `replacing ${code(t.entry.tool)} with ${code(t.entry.suggested_tool ?? "")}` : undefined;
    if (!what) continue;
    const reached = ev.weight >= ev.threshold;
    next.push(`- ${what}: evidence ${ev.weight.toFixed(1)} of ${ev.threshold} from ${ev.issues} issue${ev.issues === 1 ? "" : "s"}${reached ? " — enough for a proposal, which I open as a pull request for the maintainers to review." : "."}`);
  }
  const shownNext = within(next, 20, 6_000, textLength);
  out.push("**What happens next:** " + (next.length ? "I weigh reports from different apprentices and reporters, fading with age; when the evidence reaches the threshold I propose a manifest change as a pull request for the maintainers to review.\n" + shownNext.kept.join("\n") + (shownNext.left ? `\n- _…and ${shownNext.left} more._` : "") : "the maintainers see this on the evidence dashboard; repeated reports from different reporters make a change more likely."));
  if (ctx.dashboardUrl) out.push(`📊 [Evidence dashboard](${ctx.dashboardUrl})`);
  return finish(out);
}

function finish(parts: readonly string[]): string {
  return parts.join("\n\n").replace(/\n{3,}/g, "\n\n") + "\n";
}

/** The one-time message that pulls a manifest's owners in for critical feedback. */
export function renderOwnersNotice(triage: Triage, owners: ReadonlyMap<string, readonly string[]>): string | undefined {
  const lines: string[] = [];
  for (const type of triage.criticalTypes) {
    const list = owners.get(type) ?? [];
    if (!list.length) continue;
    const critical = triage.entries.filter((t) => t.critical && t.entry.apprentice_type === type);
    const why = critical.slice(0, 10).map((t) => `${code(t.entry.tool)}${t.entry.severity === "blocking" ? " (blocking)" : t.required ? " (a required tool)" : ""}`);
    const more = critical.length > why.length ? ` and ${critical.length - why.length} more` : "";
    // Owners come from CODEOWNERS or the config, never from the issue text: these are the only mentions the bot makes.
    lines.push(`${list.join(" ")} — ${code(type)} reports a critical problem with ${why.join(", ")}${more}.`);
  }
  if (!lines.length) return undefined;
  return `${OWNERS_MARKER}\n🔴 **Critical apprentice feedback**\n\n${lines.join("\n\n")}\n`;
}

/** True when a comment is one of the bot's own (by marker and by author), never forgeable by a body. */
export function isBotComment(comment: { body: string; author_type: string | null }, marker: string): boolean {
  return comment.author_type === "Bot" && comment.body.startsWith(marker);
}
