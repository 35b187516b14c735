import type { FeedbackEntry, FeedbackProblem } from "./feedback-entry.js";
import { compileIssueForms, parseIssueForm } from "./issue-form-parser.js";
import type { FeedbackTemplates, IssueFormEntry, IssueForms } from "./issue-form-parser.js";
import { parseKhipu } from "./khipu-parser.js";
import type { KhipuEntry } from "./khipu-parser.js";

/** Bodies are cut to this many UTF-8 bytes (GitHub itself caps a body at 65,536 characters). */
export const MAX_BODY_BYTES = 256 * 1024;
/** At most this many entries are read from one body or comment. */
export const MAX_ENTRIES_PER_BODY = 100;
const MAX_NAME_LENGTH = 128;
const EXCERPT_LENGTH = 60;
const VALID_NAME_CHAR = /[A-Za-z0-9_.:-]/;

/** Where a body came from; everything is optional so that a bare file can be parsed too. */
export interface FeedbackMeta {
  issueNumber?: number | null;
  /** Set when the body is a comment's. */
  commentId?: number | null;
  url?: string | null;
  author?: string | null;
  createdAt?: string | null;
  updatedAt?: string | null;
  state?: FeedbackEntry["state"];
  stateReason?: FeedbackEntry["state_reason"];
  /** The apprentice type known from outside the body, e.g. an `apprentice:<type>` label. */
  apprenticeType?: string | null;
  /** The issue-form templates (YAML texts); without them (or `forms`) only khipu lines are read. */
  templates?: FeedbackTemplates;
  /** The same templates read once with `compileIssueForms`, for parsing many bodies; wins over `templates`. */
  forms?: IssueForms;
}

export interface FeedbackParseResult {
  entries: FeedbackEntry[];
  /** What makes entries impossible to act on as written (each entry is still returned), and unusable templates. */
  problems: FeedbackProblem[];
  /** True when the body was cut to MAX_BODY_BYTES or entries beyond MAX_ENTRIES_PER_BODY were dropped. */
  truncated: boolean;
}

type ParsedEntry = (IssueFormEntry & { format: "form"; line: null }) | (KhipuEntry & { format: "khipu"; severity: null });

/**
 * Every feedback entry of an issue body or comment, in both formats (issue form
 * first, then khipu lines in order), with what is wrong with each. Never throws;
 * linear in the size of the body.
 */
export function parseFeedback(body: string, meta: FeedbackMeta = {}): FeedbackParseResult {
  const cut = cutToBytes(body, MAX_BODY_BYTES);
  const problems: FeedbackProblem[] = [];
  const parsed: ParsedEntry[] = [];

  const forms = meta.forms ?? (meta.templates ? compileIssueForms(meta.templates) : undefined);
  const form = forms ? parseIssueForm(cut.text, forms) : null;
  if (form) parsed.push({ ...form, apprentice_type: form.apprentice_type ?? meta.apprenticeType ?? null, format: "form", line: null });
  const khipu = parseKhipu(cut.text, {
    apprenticeType: parsed[0]?.apprentice_type ?? meta.apprenticeType ?? null,
    maxEntries: MAX_ENTRIES_PER_BODY - parsed.length,
  });
  for (const entry of khipu.entries) parsed.push({ ...entry, format: "khipu", severity: null });

  // Only a body that carries feedback hears about a broken template: ordinary issues are left alone.
  if (parsed.length > 0) {
    for (const error of forms?.errors ?? []) {
      problems.push({ kind: "invalid-template", entry: null, field: null, line: null, message: `The issue form template could not be used: ${error.message}.` });
    }
  }
  const entries = parsed.map((p, index) => {
    for (const problem of problemsOf(p, index)) problems.push(problem);
    return toEntry(p, meta);
  });
  return { entries, problems, truncated: cut.cut || khipu.truncated };
}

function toEntry(p: ParsedEntry, meta: FeedbackMeta): FeedbackEntry {
  return {
    kind: p.kind,
    apprentice_type: p.apprentice_type,
    tool: p.tool,
    suggested_tool: p.kind === "tool-suggestion" ? (p.suggested_tool ?? "") : null,
    text: p.text,
    severity: p.kind === "tool-problem" ? p.severity : null,
    source: { issue_number: meta.issueNumber ?? null, comment_id: meta.commentId ?? null, url: meta.url ?? null },
    author: meta.author ?? null,
    created_at: meta.createdAt ?? null,
    updated_at: meta.updatedAt ?? null,
    state: meta.state ?? "open",
    state_reason: meta.stateReason ?? null,
    format: p.format,
  };
}

function problemsOf(p: ParsedEntry, entry: number): FeedbackProblem[] {
  const problems: FeedbackProblem[] = [];
  const where = p.format === "form" ? "in the form" : `on line ${p.line}`;
  const toolProblem = toolNameProblem(p.tool, p.kind === "tool-suggestion" ? "tool to replace" : "tool name", where);
  if (toolProblem) problems.push({ kind: toolProblem.kind, entry, field: "tool", line: p.line, message: toolProblem.message });
  if (p.kind === "tool-suggestion") {
    const suggested = toolNameProblem(p.suggested_tool ?? "", "suggested tool", where);
    if (suggested) problems.push({ kind: suggested.kind, entry, field: "suggested_tool", line: p.line, message: suggested.message });
  }
  if (p.apprentice_type === null) {
    problems.push({
      kind: "missing-apprentice-type",
      entry,
      field: "apprentice_type",
      line: p.line,
      message: `No apprentice type is given for the feedback ${where}: add a line \`**Apprentice**: <type>\`, fill in the form's "Apprentice type" field, or label the issue \`apprentice:<type>\`.`,
    });
  }
  return problems;
}

function toolNameProblem(name: string, what: string, where: string): Pick<FeedbackProblem, "kind" | "message"> | undefined {
  if (name === "") return { kind: "empty-tool", message: `The ${what} ${where} is empty: write the exact tool name, e.g. \`ast_parse\`.` };
  const reason = invalidNameReason(name);
  if (reason === undefined) return undefined;
  const excerpt = name.length > EXCERPT_LENGTH ? `${name.slice(0, EXCERPT_LENGTH)}…` : name;
  return {
    kind: "invalid-tool-name",
    message: `The ${what} ${where} (${JSON.stringify(excerpt)}) is not a valid tool name: ${reason}. Tool names use only letters, digits, "_", ".", ":" and "-", at most ${MAX_NAME_LENGTH} characters.`,
  };
}

function invalidNameReason(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `it is ${name.length} characters long`;
  const bad = new Set<string>();
  for (const ch of name) if (!VALID_NAME_CHAR.test(ch)) bad.add(ch);
  if (bad.size === 0) return undefined;
  return `it contains ${[...bad].map((ch) => (ch === " " ? "a space" : JSON.stringify(ch))).join(", ")}`;
}

/**
 * Cuts `text` to at most `maxBytes` of UTF-8, at the last line break that fits so
 * that no entry is read half-written.
 */
export function cutToBytes(text: string, maxBytes: number): { text: string; cut: boolean } {
  if (text.length * 3 <= maxBytes) return { text, cut: false };
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    let size = 1;
    let width = 1;
    if (code >= 0x80) size = code < 0x800 ? 2 : 3;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        size = 4;
        width = 2;
      }
    }
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += width;
  }
  if (i >= text.length) return { text, cut: false };
  const lastBreak = text.lastIndexOf("\n", i - 1);
  return { text: text.slice(0, lastBreak > 0 ? lastBreak : i), cut: true };
}
