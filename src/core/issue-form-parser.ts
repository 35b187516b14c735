import { parseIssue, parseTemplate } from "@github/issue-parser";
import type { ParsedBody } from "@github/issue-parser";
import { FEEDBACK_KINDS, FEEDBACK_SEVERITIES } from "./feedback-entry.js";
import type { FeedbackKind, FeedbackSeverity } from "./feedback-entry.js";
import { normalizeNewlines, visibleLines } from "./khipu-parser.js";

/**
 * Issue-form bodies (`.github/ISSUE_TEMPLATE/*.yml`), parsed with GitHub's own
 * parser. The template texts are parameters so that this stays pure; which template
 * a body came from is recognised by its `### Label` headings.
 */

/** The YAML text of each feedback form, by kind. A kind without a template is not recognised. */
export type FeedbackTemplates = Partial<Record<FeedbackKind, string>>;

/** What one issue form says; the caller adds where it came from. */
export interface IssueFormEntry {
  kind: FeedbackKind;
  apprentice_type: string | null;
  tool: string;
  suggested_tool: string | null;
  text: string;
  severity: FeedbackSeverity | null;
}

export interface TemplateError {
  kind: FeedbackKind;
  message: string;
}

/** The feedback forms, read once and reused for every body. */
export interface IssueForms {
  readonly forms: readonly CompiledForm[];
  /** Templates that could not be read; they are skipped and the others still work. */
  readonly errors: readonly TemplateError[];
}

/** The field ids the shipped templates use; a customised template must keep them. */
export const FORM_FIELD_IDS = {
  "missing-tool": { tool: "tool", text: "purpose" },
  "tool-problem": { tool: "tool", text: "issue", severity: "severity" },
  "tool-suggestion": { tool: "current_tool", suggested: "suggested_tool", text: "reason" },
} as const satisfies Record<FeedbackKind, { tool: string; text: string; suggested?: string; severity?: string }>;
export const APPRENTICE_TYPE_FIELD_ID = "apprentice_type";
const FIELD_TYPES: ReadonlySet<string> = new Set(["markdown", "textarea", "input", "dropdown", "checkboxes"]);

export interface CompiledForm {
  kind: FeedbackKind;
  text: string;
  labels: string[];
  toolLabel: string;
}

/**
 * Recognises which feedback form `body` was written with, and reads its fields; null
 * when it is none of them. Never throws.
 */
export function parseIssueForm(body: string, forms: IssueForms): IssueFormEntry | null {
  const form = matchForm(headingsOf(body), forms.forms);
  if (!form) return null;
  let parsed: ParsedBody;
  try {
    parsed = parseIssue(sanitizeForIssueParser(body), form.text);
  } catch {
    return null; // unreachable once compileIssueForms accepted the template; a body is never worth a crash
  }
  return entryFrom(form.kind, parsed);
}

/** Reads the templates once (YAML parsing costs milliseconds; bodies are parsed by the thousand). */
export function compileIssueForms(templates: FeedbackTemplates): IssueForms {
  const forms: CompiledForm[] = [];
  const errors: TemplateError[] = [];
  for (const kind of FEEDBACK_KINDS) {
    const text = templates[kind];
    if (text === undefined) continue;
    try {
      const fields = parseTemplate(text);
      const unknown = Object.values(fields).find((f) => !FIELD_TYPES.has(f.type));
      if (unknown) {
        errors.push({ kind, message: `the ${kind} template has a field of unknown type \`${String(unknown.type)}\`` });
        continue;
      }
      const toolField = fields[FORM_FIELD_IDS[kind].tool];
      if (!toolField) {
        errors.push({ kind, message: `the ${kind} template has no field with id \`${FORM_FIELD_IDS[kind].tool}\`` });
        continue;
      }
      forms.push({ kind, text, labels: Object.values(fields).map((f) => collapse(f.label)), toolLabel: collapse(toolField.label) });
    } catch (err) {
      errors.push({ kind, message: `the ${kind} template is not a valid issue form: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return { forms, errors };
}

function headingsOf(body: string): Set<string> {
  const headings = new Set<string>();
  for (const line of visibleLines(body)) {
    if (line.startsWith("###")) headings.add(collapse(line.slice(3)));
  }
  return headings;
}

/**
 * The form whose labels best cover the headings: it must show its tool field and
 * one other; a form missing fewer of its labels wins (a tool-problem body also shows
 * the two labels it shares with the missing-tool form).
 */
function matchForm(headings: ReadonlySet<string>, forms: readonly CompiledForm[]): CompiledForm | undefined {
  let best: CompiledForm | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const form of forms) {
    if (!headings.has(form.toolLabel)) continue;
    const matched = form.labels.filter((label) => headings.has(label)).length;
    if (matched < 2) continue;
    const score = matched - (form.labels.length - matched);
    if (score > bestScore) {
      best = form;
      bestScore = score;
    }
  }
  return best;
}

function entryFrom(kind: FeedbackKind, parsed: ParsedBody): IssueFormEntry {
  const ids: { tool: string; text: string; suggested?: string; severity?: string } = FORM_FIELD_IDS[kind];
  const apprentice = unwrapCode(valueText(parsed[APPRENTICE_TYPE_FIELD_ID]));
  return {
    kind,
    apprentice_type: apprentice === "" ? null : apprentice,
    tool: unwrapCode(valueText(parsed[ids.tool])),
    suggested_tool: ids.suggested === undefined ? null : unwrapCode(valueText(parsed[ids.suggested])),
    text: valueText(parsed[ids.text]),
    severity: ids.severity === undefined ? null : severityOf(valueText(parsed[ids.severity])),
  };
}

function valueText(value: ParsedBody[string]): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value.trim();
  if (Array.isArray(value)) return value.join(", ").trim();
  return value.selected.join(", ").trim();
}

function severityOf(value: string): FeedbackSeverity | null {
  const lower = value.toLowerCase();
  return FEEDBACK_SEVERITIES.find((s) => s === lower) ?? null;
}

/** `` `ast_parse` `` → `ast_parse`; anything else inside stays, so bad names stay visible. */
function unwrapCode(value: string): string {
  let a = 0;
  while (value[a] === "`") a++;
  let b = value.length;
  while (b > a && value[b - 1] === "`") b--;
  return value.slice(a, b).trim();
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * The issue parser's section regex backtracks badly on long whitespace runs in a
 * `###` line, on a last line without a newline, and on long runs of blank lines. A
 * form rendered by GitHub has none of these, so flattening them changes nothing real
 * and keeps hostile bodies linear.
 */
function sanitizeForIssueParser(body: string): string {
  const out: string[] = [];
  let blankRun = 0;
  for (const line of normalizeNewlines(body).split("\n")) {
    if (line.trim() === "") {
      if (++blankRun === 1) out.push("");
      continue;
    }
    blankRun = 0;
    out.push(line.includes("###") ? collapse(line) : line);
  }
  return out.join("\n") + "\n";
}
