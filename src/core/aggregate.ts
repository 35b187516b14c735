import type { Config } from "./config-schema.js";
import type { FeedbackSeverity } from "./feedback-entry.js";
import { compareRecency, type EvidenceEntry, type EvidenceState } from "./evidence-state.js";
import type { UsageRecord } from "./usage.js";

export { applyIssue, rebuild, emptyState, serializeState, parseState, countingEntries, MAX_STATE_ENTRIES } from "./evidence-state.js";
export type { EvidenceState, EvidenceEntry, StateOptions, ParsedState } from "./evidence-state.js";

/**
 * Evidence per (apprentice type, tool), weighed by age: what renderers (dashboard,
 * PR bodies) and the suggestion rules read. A plain value: JSON in, JSON out.
 */

/** Reports of one kind about one key, after counting each issue (or reporter) once. */
export interface Signal {
  /** Sum of `2^(-age_days / half_life_days)` over the counted reports. */
  weight: number;
  /** Reports counted: one per issue, or one per reporter with `distinct_reporters`. */
  count: number;
  /** Every issue that reported it, ascending. */
  issues: number[];
  /** Every named reporter, sorted. */
  reporters: string[];
  /** The most recent report (ISO time), or null when none. */
  latest: string | null;
}

export type SeverityBucket = FeedbackSeverity | "unspecified";
export const SEVERITY_BUCKETS: readonly SeverityBucket[] = ["blocking", "degraded", "minor", "unspecified"];

export interface ProblemSignal extends Signal {
  by_severity: Record<SeverityBucket, { weight: number; count: number; issues: number[] }>;
}

export interface ReplacementSignal extends Signal {
  /** The tool suggested instead. */
  to: string;
}

export interface UsageFigures {
  /** Sessions of this apprentice type that were given the tool, and their decayed weight. */
  sessions_provided: number;
  sessions_provided_weight: number;
  /** Sessions that called it at least once, total calls, and calls weighed by age. */
  sessions_called: number;
  calls: number;
  calls_weight: number;
  /** Sessions that called it without being given it: a tool they keep asking for. */
  sessions_unprovided_calls: number;
  last_called: string | null;
}

export interface KeyEvidence {
  apprentice_type: string;
  tool: string;
  missing: Signal;
  problems: ProblemSignal;
  /** Suggestions to replace this tool, heaviest first. */
  replacements: ReplacementSignal[];
  usage: UsageFigures | null;
  /** Every issue and named reporter behind any of the above. */
  issues: number[];
  reporters: string[];
}

export interface Evidence {
  now: string;
  half_life_days: number;
  distinct_reporters: boolean;
  /** Sorted by apprentice type, then tool. */
  keys: KeyEvidence[];
  /** The most recent feedback that counts (ISO), or null. */
  last_feedback: string | null;
  sessions: number;
}

export type AggregationConfig = Pick<Config["feedback"], "half_life_days" | "distinct_reporters">;

const DAY_MS = 86_400_000;

/** `2^(-age_days / half_life)`; a report from the future weighs 1. */
export function decayWeight(atMs: number, nowMs: number, halfLifeDays: number): number {
  // Age in whole days: a report counts fully on the day it is made, so three reports today
  // reach a threshold of 3 (fractions of a day would leave them just short of it).
  const ageDays = Math.floor(Math.max(0, nowMs - atMs) / DAY_MS);
  return Math.pow(2, -ageDays / halfLifeDays);
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
const sortedNumbers = (s: Iterable<number>): number[] => [...new Set(s)].sort((a, b) => a - b);
const sortedStrings = (s: Iterable<string>): string[] => [...new Set(s)].sort();

function emptySignal(): Signal {
  return { weight: 0, count: 0, issues: [], reporters: [], latest: null };
}

/** The reports that count: per unit (issue, or reporter), the most recent one. */
function counted(entries: readonly EvidenceEntry[], distinctReporters: boolean): EvidenceEntry[] {
  const best = new Map<string, EvidenceEntry>();
  for (const e of entries) {
    const unit = distinctReporters && e.author !== null ? `@${e.author}` : `#${e.issue}`;
    const prior = best.get(unit);
    if (!prior || compareRecency(e, prior) < 0) best.set(unit, e);
  }
  return [...best.values()].sort(compareRecency);
}

function signalOf(entries: readonly EvidenceEntry[], weigh: (e: EvidenceEntry) => number, distinct: boolean): { signal: Signal; units: EvidenceEntry[] } {
  if (entries.length === 0) return { signal: emptySignal(), units: [] };
  const units = counted(entries, distinct);
  let weight = 0;
  for (const u of units) weight += weigh(u);
  const latest = Math.max(...entries.map((e) => e.at));
  return {
    signal: { weight, count: units.length, issues: sortedNumbers(entries.map((e) => e.issue)), reporters: sortedStrings(entries.flatMap((e) => (e.author === null ? [] : [e.author]))), latest: iso(latest) },
    units,
  };
}

function problemSignal(entries: readonly EvidenceEntry[], weigh: (e: EvidenceEntry) => number, distinct: boolean): ProblemSignal {
  const { signal, units } = signalOf(entries, weigh, distinct);
  const by_severity = Object.fromEntries(SEVERITY_BUCKETS.map((b) => [b, { weight: 0, count: 0, issues: [] as number[] }])) as ProblemSignal["by_severity"];
  for (const u of units) {
    const bucket = by_severity[u.severity ?? "unspecified"];
    bucket.weight += weigh(u);
    bucket.count++;
    bucket.issues.push(u.issue);
  }
  for (const b of SEVERITY_BUCKETS) by_severity[b].issues = sortedNumbers(by_severity[b].issues);
  return { ...signal, by_severity };
}

type Group = { missing: EvidenceEntry[]; problems: EvidenceEntry[]; suggestions: Map<string, EvidenceEntry[]>; usage: UsageFigures | null };

const keyOf = (type: string, tool: string): string => JSON.stringify([type, tool]);

function usageByKey(usage: readonly UsageRecord[], nowMs: number, halfLife: number): { figures: Map<string, UsageFigures>; sessions: number } {
  // A session summarised twice counts once: its latest summary (the later line on a tie).
  const sessions = new Map<string, UsageRecord>();
  for (const r of usage) {
    const id = JSON.stringify([r.apprentice_type, r.session]);
    const prior = sessions.get(id);
    if (!prior || Date.parse(r.ts) >= Date.parse(prior.ts)) sessions.set(id, r);
  }
  const figures = new Map<string, UsageFigures>();
  const ordered = [...sessions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  for (const r of ordered) {
    const atMs = Date.parse(r.ts);
    const weight = decayWeight(atMs, nowMs, halfLife);
    const provided = new Set(r.provided);
    for (const tool of new Set([...r.provided, ...Object.keys(r.calls)])) {
      const key = keyOf(r.apprentice_type, tool);
      let f = figures.get(key);
      if (!f) figures.set(key, (f = { sessions_provided: 0, sessions_provided_weight: 0, sessions_called: 0, calls: 0, calls_weight: 0, sessions_unprovided_calls: 0, last_called: null }));
      const calls = Object.hasOwn(r.calls, tool) ? (r.calls[tool] as number) : 0;
      if (provided.has(tool)) {
        f.sessions_provided++;
        f.sessions_provided_weight += weight;
      } else if (calls > 0) f.sessions_unprovided_calls++;
      if (calls > 0) {
        f.sessions_called++;
        f.calls += calls;
        f.calls_weight += calls * weight;
        const when = new Date(atMs).toISOString();
        if (f.last_called === null || when > f.last_called) f.last_called = when;
      }
    }
  }
  return { figures, sessions: sessions.size };
}

/**
 * The evidence at time `now`: every counting entry of the state weighed by its age
 * (half-life from config), each issue — or with `distinct_reporters` each reporter,
 * by their most recent report — counted once per key, joined with the usage figures.
 */
export function summarize(state: EvidenceState, now: string | Date, config: AggregationConfig, usage: readonly UsageRecord[] = []): Evidence {
  const nowMs = new Date(now).getTime();
  const halfLife = config.half_life_days;
  const distinct = config.distinct_reporters;
  const weigh = (e: EvidenceEntry) => decayWeight(e.at * 1000, nowMs, halfLife);
  const groups = new Map<string, Group>();
  const group = (key: string): Group => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { missing: [], problems: [], suggestions: new Map(), usage: null }));
    return g;
  };
  let lastFeedback = -Infinity;
  for (const e of state.entries) {
    lastFeedback = Math.max(lastFeedback, e.at);
    const g = group(keyOf(e.apprentice_type, e.tool));
    if (e.kind === "missing-tool") g.missing.push(e);
    else if (e.kind === "tool-problem") g.problems.push(e);
    else if (e.suggested_tool !== null) {
      const list = g.suggestions.get(e.suggested_tool);
      if (list) list.push(e);
      else g.suggestions.set(e.suggested_tool, [e]);
    }
  }
  const { figures, sessions } = usageByKey(usage, nowMs, halfLife);
  for (const [key, f] of figures) group(key).usage = f;

  const ordered = [...groups].map(([key, g]) => [JSON.parse(key) as [string, string], g] as const);
  ordered.sort(([[ta, a]], [[tb, b]]) => (ta !== tb ? (ta < tb ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0));
  const keys: KeyEvidence[] = ordered.map(([[apprentice_type, tool], g]) => {
    const replacements = [...g.suggestions]
      .map(([to, list]) => ({ to, ...signalOf(list, weigh, distinct).signal }))
      .sort((a, b) => b.weight - a.weight || (a.to < b.to ? -1 : 1));
    const all = [...g.missing, ...g.problems, ...[...g.suggestions.values()].flat()];
    return {
      apprentice_type,
      tool,
      missing: signalOf(g.missing, weigh, distinct).signal,
      problems: problemSignal(g.problems, weigh, distinct),
      replacements,
      usage: g.usage,
      issues: sortedNumbers(all.map((e) => e.issue)),
      reporters: sortedStrings(all.flatMap((e) => (e.author === null ? [] : [e.author]))),
    };
  });
  return {
    now: new Date(nowMs).toISOString(),
    half_life_days: halfLife,
    distinct_reporters: distinct,
    keys,
    last_feedback: Number.isFinite(lastFeedback) ? iso(lastFeedback) : null,
    sessions,
  };
}

/** The evidence of one key, if there is any. */
export function evidenceFor(evidence: Evidence, apprenticeType: string, tool: string): KeyEvidence | undefined {
  return evidence.keys.find((k) => k.apprentice_type === apprenticeType && k.tool === tool);
}
