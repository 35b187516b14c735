import type { FeedbackKind } from "./feedback-entry.js";

/**
 * The khipu lines apprentices already write (DESIGN §6):
 *
 *     **Apprentice**: python_patterns
 *     **Missing Tool**: `ast_parse` - Needed for: …
 *     **Tool Problem**: `file_search` - Issue: …
 *     **Tool Suggestion**: Replace `regex_search` with `treesitter` - Reason: …
 *
 * The body is untrusted and may be huge, so everything here is a single pass over
 * the lines with `indexOf` and regexes whose quantifiers cannot overlap (each line's
 * whitespace is collapsed first, so no regex ever faces a long run of spaces).
 */

/** One khipu line as written. The tool may be empty or not a valid name: the caller flags it. */
export interface KhipuEntry {
  kind: FeedbackKind;
  apprentice_type: string | null;
  tool: string;
  /** For a suggestion, "" when the replacement is missing; null for the other kinds. */
  suggested_tool: string | null;
  text: string;
  /** 1-based line of the body. */
  line: number;
}

export interface KhipuParseOptions {
  /** Used when the body has no `**Apprentice**:` line (e.g. from an `apprentice:<type>` label). */
  apprenticeType?: string | null;
  /** Entries beyond this are not returned and `truncated` is set. Default 100. */
  maxEntries?: number;
}

export interface KhipuParseResult {
  entries: KhipuEntry[];
  truncated: boolean;
}

export const DEFAULT_MAX_ENTRIES = 100;

const HEAD_RE = /^\*\* ?(missing tool|tool problem|tool suggestion|apprentice(?: type)?) ?(:?) ?\*\* ?(:?) ?/i;
const BULLET_RE = /^(?:[-*+] |\d{1,9}[.)] )/;
const TEXT_LABEL_RE = /^(?:needed for|purpose|issue|problem|reason|because) ?: ?/i;
const SEPARATOR_RE = /^[-–—:|]+(?: |$)/;
const REPLACE_RE = /^replace /i;
const WITH_RE = /^(?:with|by|->|→|=>)(?: |$)/i;

const HEAD_KIND: Record<string, FeedbackKind | "apprentice"> = {
  "missing tool": "missing-tool",
  "tool problem": "tool-problem",
  "tool suggestion": "tool-suggestion",
  apprentice: "apprentice",
  "apprentice type": "apprentice",
};

/** CRLF and lone CR (and the Unicode line separators) become LF. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?|[\u2028\u2029]/g, "\n");
}

/**
 * The lines a reader actually sees as prose: fenced code blocks and HTML comments
 * are blanked out (keeping line numbers), so examples and hidden markers never count.
 */
export function visibleLines(body: string): string[] {
  const lines = normalizeNewlines(body).split("\n");
  let fence: { char: string; length: number } | null = null;
  let inComment = false;
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n] ?? "";
    if (fence) {
      if (closesFence(raw, fence)) fence = null;
      lines[n] = "";
      continue;
    }
    if (!inComment) {
      const opened = opensFence(raw);
      if (opened) {
        fence = opened;
        lines[n] = "";
        continue;
      }
    }
    const stripped = stripComments(raw, inComment);
    inComment = stripped.inComment;
    lines[n] = stripped.text;
  }
  return lines;
}

function fenceRun(line: string): { char: string; length: number; end: number } | null {
  let i = 0;
  while (line[i] === " " || line[i] === "\t") i++;
  const char = line[i];
  if (char !== "`" && char !== "~") return null;
  let end = i;
  while (line[end] === char) end++;
  return end - i >= 3 ? { char, length: end - i, end } : null;
}

function opensFence(line: string): { char: string; length: number } | null {
  const run = fenceRun(line);
  if (!run) return null;
  // "```x```" is inline code, not a fence: a backtick fence's info string has no backtick.
  if (run.char === "`" && line.includes("`", run.end)) return null;
  return { char: run.char, length: run.length };
}

function closesFence(line: string, fence: { char: string; length: number }): boolean {
  const run = fenceRun(line);
  return run !== null && run.char === fence.char && run.length >= fence.length && line.slice(run.end).trim() === "";
}

function stripComments(line: string, inComment: boolean): { text: string; inComment: boolean } {
  let out = "";
  let pos = 0;
  for (;;) {
    if (inComment) {
      const close = line.indexOf("-->", pos);
      if (close === -1) return { text: out, inComment: true };
      pos = close + 3;
      inComment = false;
    }
    const open = line.indexOf("<!--", pos);
    if (open === -1) return { text: out + line.slice(pos), inComment: false };
    out += line.slice(pos, open) + " ";
    pos = open + 4;
    inComment = true;
  }
}

/** Parses every khipu line of `body`; never throws. */
export function parseKhipu(body: string, options: KhipuParseOptions = {}): KhipuParseResult {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const entries: KhipuEntry[] = [];
  let truncated = false;
  let current: string | null = null;
  let first: string | null = null;
  const lines = visibleLines(body);
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n] ?? "";
    if (!raw.includes("**")) continue;
    const parsed = parseLine(raw);
    if (!parsed) continue;
    if (parsed.kind === "apprentice") {
      current = parsed.value;
      first ??= parsed.value;
      continue;
    }
    if (entries.length >= maxEntries) {
      truncated = true;
      continue; // keep reading: a later `**Apprentice**:` line still names the type
    }
    entries.push({ ...parsed.entry, apprentice_type: current, line: n + 1 });
  }
  const fallback = first ?? options.apprenticeType ?? null;
  for (const entry of entries) entry.apprentice_type ??= fallback;
  return { entries, truncated };
}

type ParsedLine =
  | { kind: "apprentice"; value: string | null }
  | { kind: "entry"; entry: Omit<KhipuEntry, "apprentice_type" | "line"> };

function parseLine(raw: string): ParsedLine | null {
  let line = raw.replace(/\s+/g, " ").trim();
  // A quoted line reproduces someone else's feedback (a reply quoting the issue): not new evidence.
  if (line.startsWith(">")) return null;
  line = line.replace(BULLET_RE, "");
  const head = HEAD_RE.exec(line);
  if (!head || (head[2] !== ":" && head[3] !== ":")) return null;
  const kind = HEAD_KIND[(head[1] ?? "").toLowerCase()];
  if (kind === undefined) return null;
  const rest = line.slice(head[0].length);
  if (kind === "apprentice") {
    const value = readToken(rest, 0).value;
    return { kind: "apprentice", value: value === "" ? null : value };
  }
  if (kind === "tool-suggestion") return { kind: "entry", entry: parseSuggestion(rest) };
  const tool = startsWithoutTool(rest, false) ? { value: "", end: 0 } : readToken(rest, 0);
  return { kind: "entry", entry: { kind, tool: tool.value, suggested_tool: null, text: textAfter(rest, tool.end) } };
}

function parseSuggestion(rest: string): Omit<KhipuEntry, "apprentice_type" | "line"> {
  const start = REPLACE_RE.exec(rest)?.[0].length ?? 0;
  const tool = startsWithoutTool(rest.slice(start), true) ? { value: "", end: start } : readToken(rest, start);
  const afterTool = rest.slice(tool.end).trimStart();
  const connective = WITH_RE.exec(afterTool);
  if (!connective) {
    return { kind: "tool-suggestion", tool: tool.value, suggested_tool: "", text: textAfter(afterTool, 0) };
  }
  const afterWith = afterTool.slice(connective[0].length);
  const suggested = startsWithoutTool(afterWith, false) ? { value: "", end: 0 } : readToken(afterWith, 0);
  return { kind: "tool-suggestion", tool: tool.value, suggested_tool: suggested.value, text: textAfter(afterWith, suggested.end) };
}

/** True when the tool was left out and the line goes straight to the separator or the text. */
function startsWithoutTool(rest: string, beforeConnective: boolean): boolean {
  const s = rest.trimStart();
  return s === "" || SEPARATOR_RE.test(s) || TEXT_LABEL_RE.test(s) || (beforeConnective && WITH_RE.test(s));
}

function textAfter(line: string, from: number): string {
  let s = line.slice(from).trimStart();
  s = s.replace(SEPARATOR_RE, "").trimStart();
  s = s.replace(TEXT_LABEL_RE, "");
  return s.trim();
}

/**
 * Reads one tool name at `start`: a code span (``` `a b` ```, ``` ``a`b`` ```) or a bare
 * word, with stray backticks stripped so that `` `a`b` `` reads as the (invalid) name a`b.
 */
export function readToken(s: string, start: number): { value: string; end: number } {
  let i = start;
  while (s[i] === " ") i++;
  if (s[i] === "`") {
    let open = i;
    while (s[open] === "`") open++;
    const run = open - i;
    const close = findBacktickRun(s, open, run);
    if (close !== -1) {
      const after = close + run;
      const next = s[after];
      if (next === undefined || next === " " || next === "," || next === ";" || next === ":" || next === ".") {
        return { value: s.slice(open, close).trim(), end: after };
      }
    }
  }
  let end = s.indexOf(" ", i);
  if (end === -1) end = s.length;
  let a = i;
  while (a < end && s[a] === "`") a++;
  let b = end;
  while (b > a && (s[b - 1] === "`" || s[b - 1] === "," || s[b - 1] === ";")) b--;
  return { value: s.slice(a, b), end };
}

/** Position of the next run of exactly `length` backticks at or after `from`, or -1. */
function findBacktickRun(s: string, from: number, length: number): number {
  let pos = s.indexOf("`", from);
  while (pos !== -1) {
    let end = pos;
    while (s[end] === "`") end++;
    if (end - pos === length) return pos;
    pos = s.indexOf("`", end);
  }
  return -1;
}
