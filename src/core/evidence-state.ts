import { z } from "zod";
import type { FeedbackEntry, FeedbackKind, FeedbackSeverity } from "./feedback-entry.js";
import { isValidToolName } from "./patterns.js";

/**
 * The bot's memory of feedback: every entry that still counts, in a compact and
 * canonical form (no text, times as whole seconds). It is updated one issue at a
 * time (an issue's entries are the unit: an edit or a close replaces them all) and
 * weighed only when summarised, so that updating it event by event gives exactly
 * the state a rebuild from the final issues gives.
 */

/** At most this many entries are kept: the most recent ones. */
export const MAX_STATE_ENTRIES = 4000;

export interface EvidenceEntry {
  issue: number;
  author: string | null;
  /** When it was reported, in whole seconds since the epoch. */
  at: number;
  kind: FeedbackKind;
  apprentice_type: string;
  tool: string;
  severity: FeedbackSeverity | null;
  suggested_tool: string | null;
}

export interface EvidenceState {
  version: 1;
  /** Sorted by {@link compareEntries}, so equal contents are equal values. */
  entries: EvidenceEntry[];
}

export interface StateOptions {
  /** Most entries kept (default {@link MAX_STATE_ENTRIES}). */
  cap?: number;
}

export function emptyState(): EvidenceState {
  return { version: 1, entries: [] };
}

const SEVERITY_RANK: Record<FeedbackSeverity, number> = { blocking: 3, degraded: 2, minor: 1 };
export const severityRank = (s: FeedbackSeverity | null): number => (s === null ? 0 : SEVERITY_RANK[s]);

const cmp = (a: string | number | null, b: string | number | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);

/** A total order on entries: issue first, then every other field. */
export function compareEntries(a: EvidenceEntry, b: EvidenceEntry): number {
  return (
    a.issue - b.issue ||
    cmp(a.kind, b.kind) ||
    cmp(a.apprentice_type, b.apprentice_type) ||
    cmp(a.tool, b.tool) ||
    cmp(a.suggested_tool, b.suggested_tool) ||
    cmp(a.author, b.author) ||
    a.at - b.at ||
    severityRank(a.severity) - severityRank(b.severity)
  );
}

/** Most recent first; ties broken by the higher issue, then the canonical order. */
export function compareRecency(a: EvidenceEntry, b: EvidenceEntry): number {
  return b.at - a.at || b.issue - a.issue || compareEntries(a, b);
}

function secondsOf(iso: string | null): number | undefined {
  if (iso === null) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

function toEvidenceEntry(issue: number, e: FeedbackEntry): EvidenceEntry | undefined {
  if (e.state === "closed" && e.state_reason === "not_planned") return undefined;
  if (!e.apprentice_type || !isValidToolName(e.tool)) return undefined;
  if (e.kind === "tool-suggestion" && !(e.suggested_tool && isValidToolName(e.suggested_tool))) return undefined;
  const at = secondsOf(e.created_at) ?? secondsOf(e.updated_at);
  if (at === undefined) return undefined;
  return {
    issue,
    author: e.author,
    at,
    kind: e.kind,
    apprentice_type: e.apprentice_type,
    tool: e.tool,
    severity: e.kind === "tool-problem" ? e.severity : null,
    suggested_tool: e.kind === "tool-suggestion" ? e.suggested_tool : null,
  };
}

/**
 * The entries of one issue that count: closed-as-not-planned, unusable (no type, bad
 * tool name, no time) entries dropped, and one entry per (kind, type, tool,
 * suggestion, author): the most recent, the most severe on a tie.
 */
export function countingEntries(issue: number, entries: readonly FeedbackEntry[]): EvidenceEntry[] {
  const best = new Map<string, EvidenceEntry>();
  for (const raw of entries) {
    const e = toEvidenceEntry(issue, raw);
    if (!e) continue;
    const key = JSON.stringify([e.kind, e.apprentice_type, e.tool, e.suggested_tool, e.author]);
    const prior = best.get(key);
    if (!prior || e.at > prior.at || (e.at === prior.at && severityRank(e.severity) > severityRank(prior.severity))) best.set(key, e);
  }
  return [...best.values()].sort(compareEntries);
}

function capEntries(sorted: EvidenceEntry[], cap: number): EvidenceEntry[] {
  if (sorted.length <= cap) return sorted;
  const keep = new Set([...sorted].sort(compareRecency).slice(0, Math.max(0, cap)));
  return sorted.filter((e) => keep.has(e));
}

/**
 * The state with issue `issueNumber`'s contribution replaced by `entries` (its
 * current entries, body and comments; none, or closed as not planned, removes it).
 * Pure: `state` is not modified.
 */
export function applyIssue(state: EvidenceState, issueNumber: number, entries: readonly FeedbackEntry[], options: StateOptions = {}): EvidenceState {
  const kept = state.entries.filter((e) => e.issue !== issueNumber);
  const merged = [...kept, ...countingEntries(issueNumber, entries)].sort(compareEntries);
  return { version: 1, entries: capEntries(merged, options.cap ?? MAX_STATE_ENTRIES) };
}

/**
 * The state from every feedback entry of every issue (grouped by
 * `source.issue_number`; entries without one are left out), with the same cap.
 */
export function rebuild(entriesOfAllIssues: readonly FeedbackEntry[], options: StateOptions = {}): EvidenceState {
  const byIssue = new Map<number, FeedbackEntry[]>();
  for (const e of entriesOfAllIssues) {
    const n = e.source.issue_number;
    if (n === null) continue;
    const list = byIssue.get(n);
    if (list) list.push(e);
    else byIssue.set(n, [e]);
  }
  const all = [...byIssue].flatMap(([n, list]) => countingEntries(n, list)).sort(compareEntries);
  return { version: 1, entries: capEntries(all, options.cap ?? MAX_STATE_ENTRIES) };
}

// Serialised form: a string table and one tuple of integers per entry.
const KINDS: readonly FeedbackKind[] = ["missing-tool", "tool-problem", "tool-suggestion"];
const SEVERITIES: readonly (FeedbackSeverity | null)[] = [null, "blocking", "degraded", "minor"];
const index = z.int().min(-1);
const SerializedSchema = z.object({
  v: z.literal(1),
  s: z.array(z.string()),
  e: z.array(z.tuple([z.int().nonnegative(), index, z.int(), z.int().min(0).max(2), z.int().nonnegative(), z.int().nonnegative(), z.int().min(0).max(3), index])),
});

/** The state as compact JSON (strings interned), for a hidden HTML comment. */
export function serializeState(state: EvidenceState): string {
  const table = new Map<string, number>();
  const intern = (s: string | null): number => {
    if (s === null) return -1;
    let i = table.get(s);
    if (i === undefined) table.set(s, (i = table.size));
    return i;
  };
  // Issue numbers and times are written as differences from the previous entry: small numbers compress well.
  let issue = 0;
  let at = 0;
  const e = state.entries.map((x) => {
    const row = [x.issue - issue, intern(x.author), x.at - at, KINDS.indexOf(x.kind), intern(x.apprentice_type), intern(x.tool), SEVERITIES.indexOf(x.severity), intern(x.suggested_tool)];
    issue = x.issue;
    at = x.at;
    return row;
  });
  return JSON.stringify({ v: 1, s: [...table.keys()], e });
}

export interface ParsedState {
  state: EvidenceState;
  /** True when the text was not a state this version can read: the state is then empty and a rebuild is due. */
  broken: boolean;
  reason?: string;
}

/** Reads a serialised state; garbage gives an empty state and `broken: true`, never an exception. */
export function parseState(text: string | null | undefined, options: StateOptions = {}): ParsedState {
  if (text === null || text === undefined || text.trim() === "") return { state: emptyState(), broken: false };
  const broken = (reason: string): ParsedState => ({ state: emptyState(), broken: true, reason });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return broken("the stored state is not JSON");
  }
  const parsed = SerializedSchema.safeParse(json);
  if (!parsed.success) return broken(`the stored state has an unexpected shape (${parsed.error.issues[0]?.message ?? "invalid"})`);
  const { s, e } = parsed.data;
  const str = (i: number): string | null | undefined => (i === -1 ? null : s[i]);
  const entries: EvidenceEntry[] = [];
  let issue = 0;
  let at = 0;
  for (const [issueDelta, author, atDelta, kind, type, tool, severity, suggested] of e) {
    issue += issueDelta;
    at += atDelta;
    const entry: EvidenceEntry = {
      issue,
      author: str(author) as string | null,
      at,
      kind: KINDS[kind] as FeedbackKind,
      apprentice_type: str(type) as string,
      tool: str(tool) as string,
      severity: SEVERITIES[severity] as FeedbackSeverity | null,
      suggested_tool: str(suggested) as string | null,
    };
    const valid =
      issue > 0 &&
      at >= 0 &&
      entry.author !== undefined &&
      typeof entry.apprentice_type === "string" &&
      entry.apprentice_type !== "" &&
      typeof entry.tool === "string" &&
      isValidToolName(entry.tool) &&
      entry.suggested_tool !== undefined &&
      (entry.kind === "tool-suggestion" ? entry.suggested_tool !== null && isValidToolName(entry.suggested_tool) : entry.suggested_tool === null) &&
      (entry.kind === "tool-problem" || entry.severity === null);
    if (!valid) return broken(`entry ${entries.length + 1} of the stored state is inconsistent`);
    entries.push(entry);
  }
  return { state: { version: 1, entries: capEntries(entries.sort(compareEntries), options.cap ?? MAX_STATE_ENTRIES) }, broken: false };
}
