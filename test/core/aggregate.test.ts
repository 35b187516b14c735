import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyIssue, decayWeight, emptyState, evidenceFor, MAX_STATE_ENTRIES, parseState, rebuild, serializeState, summarize, type EvidenceState } from "../../src/core/aggregate.js";
import { defaultConfig } from "../../src/core/config-schema.js";
import type { FeedbackEntry } from "../../src/core/feedback-entry.js";
import { normalizeManifest } from "../../src/core/manifest-schema.js";
import { suggest } from "../../src/core/suggest.js";
import { parseUsageLines, type UsageRecord } from "../../src/core/usage.js";

const NOW = "2026-11-01T00:00:00.000Z";
const DAY = 86_400_000;
const daysAgo = (days: number): string => new Date(Date.parse(NOW) - days * DAY).toISOString();
const feedbackConfig = (overrides: Partial<ReturnType<typeof defaultConfig>["feedback"]> = {}) => ({ ...defaultConfig().feedback, ...overrides });

function entry(overrides: Partial<FeedbackEntry> & { issue?: number } = {}): FeedbackEntry {
  const { issue = 1, ...rest } = overrides;
  return {
    kind: "missing-tool",
    apprentice_type: "python_patterns",
    tool: "ast_parse",
    suggested_tool: null,
    text: "needed for decorators",
    severity: null,
    source: { issue_number: issue, comment_id: null, url: null },
    author: "alice",
    created_at: NOW,
    updated_at: NOW,
    state: "open",
    state_reason: null,
    format: "khipu",
    ...rest,
  };
}

const evidenceOf = (entries: FeedbackEntry[], config = feedbackConfig(), usage: UsageRecord[] = []) => summarize(rebuild(entries), NOW, config, usage);
const key = (entries: FeedbackEntry[], config = feedbackConfig(), tool = "ast_parse") => evidenceFor(evidenceOf(entries, config), "python_patterns", tool);

describe("decay", () => {
  it.each([
    [0, 1],
    [90, 0.5],
    [180, 0.25],
    [45, Math.SQRT1_2],
  ])("a report %i days old weighs %f with a 90-day half-life", (age, weight) => {
    expect(key([entry({ created_at: daysAgo(age) })])?.missing.weight).toBeCloseTo(weight, 12);
  });

  it("follows the configured half-life", () => {
    expect(key([entry({ created_at: daysAgo(30) })], feedbackConfig({ half_life_days: 30 }))?.missing.weight).toBeCloseTo(0.5, 12);
  });

  it("counts age in whole days: reports made hours ago weigh 1, so three of them reach a threshold of 3", () => {
    const hour = DAY / 24;
    expect(decayWeight(Date.parse(NOW) - 5 * hour, Date.parse(NOW), 90)).toBe(1);
    expect(decayWeight(Date.parse(NOW) - 25 * hour, Date.parse(NOW), 90)).toBeCloseTo(Math.pow(2, -1 / 90), 12);
  });

  it("weighs a report from the future as new, never more", () => {
    expect(decayWeight(Date.parse(NOW) + 10 * DAY, Date.parse(NOW), 90)).toBe(1);
  });

  it("falls back to updated_at, and drops entries with no time at all", () => {
    expect(key([entry({ created_at: null, updated_at: daysAgo(90) })])?.missing.weight).toBeCloseTo(0.5, 12);
    expect(key([entry({ created_at: null, updated_at: null })])).toBeUndefined();
  });
});

describe("counting", () => {
  const threeByAlice = [entry({ issue: 1, created_at: daysAgo(90) }), entry({ issue: 2, created_at: daysAgo(10) }), entry({ issue: 3, created_at: daysAgo(180) })];

  it("with distinct_reporters, counts one author once per key: their most recent report", () => {
    const k = key(threeByAlice);
    expect(k?.missing).toMatchObject({ count: 1, issues: [1, 2, 3], reporters: ["alice"], latest: daysAgo(10) });
    expect(k?.missing.weight).toBeCloseTo(Math.pow(2, -10 / 90), 12);
  });

  it("without distinct_reporters, counts each issue", () => {
    const k = key(threeByAlice, feedbackConfig({ distinct_reporters: false }));
    expect(k?.missing.count).toBe(3);
    expect(k?.missing.weight).toBeCloseTo(Math.pow(2, -1) + Math.pow(2, -10 / 90) + Math.pow(2, -2), 12);
  });

  it("counts an issue once per key even when it repeats the entry", () => {
    const k = key([entry({ issue: 7 }), entry({ issue: 7, format: "form" })], feedbackConfig({ distinct_reporters: false }));
    expect(k?.missing).toMatchObject({ count: 1, weight: 1, issues: [7] });
  });

  it("counts reporters without a name by issue", () => {
    expect(key([entry({ issue: 1, author: null }), entry({ issue: 2, author: null })])?.missing).toMatchObject({ count: 2, reporters: [] });
  });

  it.each([
    ["closed as not planned stops counting", "closed", "not_planned", 0],
    ["closed as completed still counts", "closed", "completed", 1],
    ["reopened counts", "open", "reopened", 1],
  ] as const)("%s", (_, state, state_reason, count) => {
    const k = key([entry({ state, state_reason })]);
    expect(k?.missing.count ?? 0).toBe(count);
  });

  it("drops entries that cannot be acted on: no type, bad tool name, suggestion without a tool", () => {
    const e = evidenceOf([entry({ apprentice_type: null }), entry({ tool: "has space" }), entry({ kind: "tool-suggestion", suggested_tool: "" })]);
    expect(e.keys).toEqual([]);
  });

  it("sorts problems by severity, each reporter at their latest severity", () => {
    const k = key([
      entry({ issue: 1, kind: "tool-problem", tool: "file_search", severity: "minor", author: "alice", created_at: daysAgo(20) }),
      entry({ issue: 2, kind: "tool-problem", tool: "file_search", severity: "blocking", author: "alice", created_at: daysAgo(1) }),
      entry({ issue: 3, kind: "tool-problem", tool: "file_search", severity: null, author: "bob" }),
    ], feedbackConfig(), "file_search");
    expect(k?.problems.count).toBe(2);
    expect(k?.problems.by_severity.blocking).toMatchObject({ count: 1, issues: [2] });
    expect(k?.problems.by_severity.minor.count).toBe(0);
    expect(k?.problems.by_severity.unspecified).toMatchObject({ count: 1, weight: 1, issues: [3] });
    expect(k?.problems.issues).toEqual([1, 2, 3]);
  });

  it("groups replacement suggestions by the suggested tool, heaviest first", () => {
    const suggestion = (issue: number, to: string, author: string) => entry({ issue, kind: "tool-suggestion", tool: "regex_search", suggested_tool: to, author });
    const k = key([suggestion(1, "treesitter", "a"), suggestion(2, "ast_grep", "b"), suggestion(3, "treesitter", "c")], feedbackConfig(), "regex_search");
    expect(k?.replacements.map((r) => [r.to, r.count, r.weight])).toEqual([
      ["treesitter", 2, 2],
      ["ast_grep", 1, 1],
    ]);
  });

  it("reports the most recent feedback for the heartbeat", () => {
    expect(evidenceOf([entry({ created_at: daysAgo(3) }), entry({ issue: 2, created_at: daysAgo(1) })]).last_feedback).toBe(daysAgo(1));
    expect(evidenceOf([]).last_feedback).toBeNull();
  });
});

describe("usage", () => {
  it("reads JSON Lines, skipping blank lines and reporting bad ones by line number", () => {
    const good = '{"ts":"2026-11-01T12:00:00Z","apprentice_type":"python_patterns","session":"s1","provided":["grep"],"calls":{"grep":12},"extra":true}';
    const text = [good, "", "not json", '{"ts":"2026-11-01T12:00:00Z","apprentice_type":"python_patterns","provided":[]}', '{"ts":"2026-11-01T12:00:00Z","apprentice_type":"x","session":"s2"}\r', ""].join("\n");
    const { records, problems } = parseUsageLines(text, "usage/a.jsonl");
    expect(records).toEqual([
      { ts: "2026-11-01T12:00:00Z", apprentice_type: "python_patterns", session: "s1", provided: ["grep"], calls: { grep: 12 } },
      { ts: "2026-11-01T12:00:00Z", apprentice_type: "x", session: "s2", provided: [], calls: {} },
    ]);
    expect(problems.map((p) => [p.file, p.line, p.code, p.severity])).toEqual([
      ["usage/a.jsonl", 3, "usage-line-not-json", "warning"],
      ["usage/a.jsonl", 4, "usage-line-invalid", "warning"],
    ]);
    expect(problems[1]?.message).toMatch(/`session`/);
  });

  // zod leaves `__proto__` out of records: a tool of that name was given but never called.
  it("counts the calls of tools named like Object.prototype's keys", () => {
    const line = `{"ts":"${daysAgo(0)}","apprentice_type":"python_patterns","session":"s1","provided":["__proto__","constructor"],"calls":{"constructor":1,"__proto__":7,"grep":2}}`;
    const { records, problems } = parseUsageLines(line, "usage/a.jsonl");
    expect(problems).toEqual([]);
    expect(records.map((r) => Object.entries(r.calls))).toEqual([
      [
        ["constructor", 1],
        ["__proto__", 7],
        ["grep", 2],
      ],
    ]);
    const e = summarize(emptyState(), NOW, feedbackConfig(), records);
    expect(evidenceFor(e, "python_patterns", "__proto__")?.usage).toMatchObject({ sessions_provided: 1, sessions_called: 1, calls: 7 });
    expect(evidenceFor(e, "python_patterns", "constructor")?.usage).toMatchObject({ sessions_provided: 1, sessions_called: 1, calls: 1 });
  });

  const session = (id: string, days: number, provided: string[], calls: Record<string, number>): UsageRecord => ({ ts: daysAgo(days), apprentice_type: "python_patterns", session: id, provided, calls });

  it("counts sessions that were given a tool, its calls, and calls of tools not given", () => {
    const usage = [session("s1", 0, ["grep", "glob"], { grep: 3 }), session("s2", 90, ["grep", "glob"], { grep: 1, ast_parse: 2 }), session("s1", 0, ["grep", "glob"], { grep: 3 })];
    const e = summarize(emptyState(), NOW, feedbackConfig(), usage);
    expect(e.sessions).toBe(2);
    expect(evidenceFor(e, "python_patterns", "glob")?.usage).toMatchObject({ sessions_provided: 2, sessions_provided_weight: 1.5, sessions_called: 0, calls: 0, last_called: null });
    expect(evidenceFor(e, "python_patterns", "grep")?.usage).toMatchObject({ sessions_called: 2, calls: 4, calls_weight: 3.5, last_called: daysAgo(0) });
    expect(evidenceFor(e, "python_patterns", "ast_parse")?.usage).toMatchObject({ sessions_provided: 0, sessions_unprovided_calls: 1 });
  });
});

describe("thresholds", () => {
  const manifest = normalizeManifest({ apprentice_type: "python_patterns", description: "d", required_tools: ["read_file"] });
  const thresholds = defaultConfig().feedback.thresholds;
  const reports = (age: number) => ["a", "b", "c"].map((author, i) => entry({ issue: i + 1, author, created_at: daysAgo(age) }));

  it("three fresh reports from three reporters reach add: 3", () => {
    expect(suggest(evidenceOf(reports(0)), [manifest], { thresholds }).proposals.map((p) => p.id)).toEqual(["python_patterns/add-ast_parse"]);
  });

  it("the same three reports a day old have decayed below it", () => {
    expect(suggest(evidenceOf(reports(1)), [manifest], { thresholds }).proposals).toEqual([]);
  });

  it("one reporter filing three issues does not reach it", () => {
    const loud = reports(0).map((e) => ({ ...e, author: "loud" }));
    expect(suggest(evidenceOf(loud), [manifest], { thresholds }).proposals).toEqual([]);
    expect(suggest(evidenceOf(loud, feedbackConfig({ distinct_reporters: false })), [manifest], { thresholds }).proposals).toHaveLength(1);
  });
});

describe("state", () => {
  it("replaces an issue's contribution as a whole", () => {
    let s = applyIssue(emptyState(), 5, [entry({ issue: 5 }), entry({ issue: 5, tool: "grep" })]);
    expect(s.entries.map((e) => e.tool)).toEqual(["ast_parse", "grep"]);
    s = applyIssue(s, 5, [entry({ issue: 5, tool: "glob" })]);
    expect(s.entries.map((e) => e.tool)).toEqual(["glob"]);
    s = applyIssue(s, 5, [entry({ issue: 5, tool: "glob", state: "closed", state_reason: "not_planned" })]);
    expect(s.entries).toEqual([]);
  });

  it("keeps text out and times as whole seconds", () => {
    const s = rebuild([entry({ created_at: "2026-11-01T12:00:00.750Z" })]);
    expect(s.entries).toEqual([{ issue: 1, author: "alice", at: Date.parse("2026-11-01T12:00:00Z") / 1000, kind: "missing-tool", apprentice_type: "python_patterns", tool: "ast_parse", severity: null, suggested_tool: null }]);
  });

  it("keeps the most recent entries under the cap, and rebuild applies the same rule", () => {
    const entries = [5, 1, 4, 2, 3].map((age, i) => entry({ issue: i + 1, created_at: daysAgo(age) }));
    const rebuilt = rebuild(entries, { cap: 3 });
    expect(rebuilt.entries.map((e) => e.issue)).toEqual([2, 4, 5]);
    const incremental = entries.reduce<EvidenceState>((s, e) => applyIssue(s, e.source.issue_number as number, [e], { cap: 3 }), emptyState());
    expect(incremental).toEqual(rebuilt);
    expect(MAX_STATE_ENTRIES).toBe(4000);
  });

  it("round-trips through its serialised form", () => {
    const s = rebuild([
      entry(),
      entry({ issue: 2, kind: "tool-problem", tool: "file_search", severity: "degraded", author: null }),
      entry({ issue: 3, kind: "tool-suggestion", tool: "regex_search", suggested_tool: "treesitter", author: "bob" }),
    ]);
    const text = serializeState(s);
    expect(parseState(text)).toEqual({ state: s, broken: false });
    expect(JSON.parse(text).s).toEqual(["alice", "python_patterns", "ast_parse", "file_search", "bob", "regex_search", "treesitter"]);
  });

  it.each([
    ["not JSON", "{oops"],
    ["another version", JSON.stringify({ v: 2, s: [], e: [] })],
    ["a string index out of range", JSON.stringify({ v: 1, s: ["a"], e: [[1, 0, 10, 0, 0, 9, 0, -1]] })],
    ["a suggestion without its tool", JSON.stringify({ v: 1, s: ["a", "t"], e: [[1, 0, 10, 2, 0, 1, 0, -1]] })],
    ["a wrong shape", JSON.stringify([1, 2, 3])],
  ])("treats %s as an empty state, flagged", (_, text) => {
    const parsed = parseState(text);
    expect(parsed.state).toEqual(emptyState());
    expect(parsed.broken).toBe(true);
    expect(parsed.reason).toMatch(/stored state/);
  });

  it("reads no stored state as an empty one, not flagged", () => {
    expect(parseState(undefined)).toEqual({ state: emptyState(), broken: false });
    expect(parseState("")).toEqual({ state: emptyState(), broken: false });
  });

  it("stays small: 4000 entries serialise to well under the size of an issue body once gzipped", async () => {
    const { gzipSync } = await import("node:zlib");
    const entries = Array.from({ length: MAX_STATE_ENTRIES }, (_, i) =>
      entry({ issue: i + 1, author: `user${i % 300}`, tool: `tool_${i % 120}`, apprentice_type: `type_${i % 12}`, created_at: new Date(Date.parse(NOW) - i * 3_600_000).toISOString() }),
    );
    const text = serializeState(rebuild(entries));
    const base64 = gzipSync(text).toString("base64");
    expect(base64.length).toBeLessThan(30_000);
  });
});

describe("incremental = rebuild (property)", () => {
  const TYPES = ["python_patterns", "test_guardian", null] as const;
  const TOOLS = ["ast_parse", "grep", "regex_search", "bad name"] as const;
  const AUTHORS = ["alice", "bob", "carol", null] as const;
  const BASE = Date.parse("2026-01-01T00:00:00Z") / 1000;

  const spec = fc.record({
    kind: fc.constantFrom("missing-tool", "tool-problem", "tool-suggestion"),
    type: fc.constantFrom(...TYPES),
    tool: fc.constantFrom(...TOOLS),
    to: fc.constantFrom("treesitter", "ast_grep", ""),
    severity: fc.constantFrom("blocking", "degraded", "minor", null),
    // Entries from a comment: another author, another time.
    comment: fc.option(fc.record({ author: fc.constantFrom(...AUTHORS), at: fc.integer({ min: 0, max: 400 * 86_400 }) }), { nil: undefined }),
  });
  type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;
  const event = fc.oneof(
    fc.record({ op: fc.constant("open" as const), issue: fc.integer({ min: 1, max: 8 }), author: fc.constantFrom(...AUTHORS), at: fc.integer({ min: 0, max: 400 * 86_400 }), specs: fc.array(spec, { maxLength: 4 }) }),
    fc.record({ op: fc.constant("edit" as const), issue: fc.integer({ min: 1, max: 8 }), specs: fc.array(spec, { maxLength: 4 }) }),
    fc.record({ op: fc.constant("close" as const), issue: fc.integer({ min: 1, max: 8 }), reason: fc.constantFrom("completed" as const, "not_planned" as const) }),
    fc.record({ op: fc.constant("reopen" as const), issue: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant("delete" as const), issue: fc.integer({ min: 1, max: 8 }) }),
  );

  interface IssueModel {
    author: string | null;
    at: number;
    specs: Spec[];
    state: "open" | "closed";
    reason: FeedbackEntry["state_reason"];
  }

  const iso = (seconds: number) => new Date((BASE + seconds) * 1000).toISOString();
  const entriesOf = (n: number, m: IssueModel): FeedbackEntry[] =>
    m.specs.map((s) =>
      entry({
        issue: n,
        kind: s.kind,
        apprentice_type: s.type,
        tool: s.tool,
        suggested_tool: s.kind === "tool-suggestion" ? s.to : null,
        severity: s.kind === "tool-problem" ? s.severity : null,
        author: s.comment ? s.comment.author : m.author,
        created_at: iso(s.comment ? s.comment.at : m.at),
        updated_at: iso(m.at),
        state: m.state,
        state_reason: m.reason,
      }),
    );

  it("applying issue events one by one gives exactly the state rebuilt from the final issues", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), fc.integer({ min: 0, max: 500 * 86_400 }), (events, nowOffset) => {
        const issues = new Map<number, IssueModel>();
        let state = emptyState();
        for (const e of events) {
          const m = issues.get(e.issue);
          if (e.op === "open") issues.set(e.issue, m ? { ...m, specs: e.specs } : { author: e.author, at: e.at, specs: e.specs, state: "open", reason: null });
          else if (e.op === "delete") issues.delete(e.issue);
          else if (!m) continue;
          else if (e.op === "edit") m.specs = e.specs;
          else if (e.op === "close") Object.assign(m, { state: "closed", reason: e.reason });
          else Object.assign(m, { state: "open", reason: "reopened" });
          const now = issues.get(e.issue);
          state = applyIssue(state, e.issue, now ? entriesOf(e.issue, now) : []);
        }
        const rebuilt = rebuild([...issues].flatMap(([n, m]) => entriesOf(n, m)));
        expect(state).toEqual(rebuilt);
        expect(serializeState(state)).toBe(serializeState(rebuilt));
        expect(parseState(serializeState(state)).state).toEqual(rebuilt);
        const now = iso(nowOffset);
        for (const distinct_reporters of [true, false]) {
          const config = feedbackConfig({ distinct_reporters });
          expect(summarize(state, now, config)).toEqual(summarize(rebuilt, now, config));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("holds under the cap too while issues only arrive", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(...AUTHORS), fc.array(spec, { maxLength: 3 })), { maxLength: 30 }), (arrivals) => {
        const all: FeedbackEntry[] = [];
        let state = emptyState();
        arrivals.forEach(([at, author, specs], i) => {
          const entries = entriesOf(i + 1, { author, at, specs, state: "open", reason: null });
          all.push(...entries);
          state = applyIssue(state, i + 1, entries, { cap: 5 });
        });
        expect(state).toEqual(rebuild(all, { cap: 5 }));
      }),
      { numRuns: 200 },
    );
  });
});
