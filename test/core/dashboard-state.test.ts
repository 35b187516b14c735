import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyIssue, emptyState } from "../../src/core/evidence-state.js";
import { emptyDashboardState, mayPropose, parseDashboardState, recordIssue, serializeDashboardState, type DashboardState, type ProposalRecord } from "../../src/core/dashboard-state.js";
import type { FeedbackEntry } from "../../src/core/feedback-entry.js";

const NOW = "2026-11-10T12:00:00.000Z";

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
    author: "ana",
    created_at: "2026-11-01T00:00:00Z",
    updated_at: "2026-11-01T00:00:00Z",
    state: "open",
    state_reason: null,
    format: "khipu",
    ...rest,
  };
}

function record(overrides: Partial<ProposalRecord> = {}): ProposalRecord {
  return { id: "python_patterns/add-ast_parse", status: "open", pr: 5, weight_at_close: null, reason: null, issues: [1, 3, 4], digest: "abc", updated_at: NOW, ...overrides };
}

function state(overrides: Partial<DashboardState> = {}): DashboardState {
  return { ...emptyDashboardState(), ...overrides };
}

const roundTrip = (s: DashboardState) => parseDashboardState(serializeDashboardState(s));

describe("the dashboard's hidden state", () => {
  it("starts empty: no evidence, no proposals, no heartbeat", () => {
    expect(emptyDashboardState()).toEqual({ evidence: emptyState(), proposals: {}, needsInfo: [], heartbeat: { last_feedback: null, last_proposal: null, last_rebuild: null } });
  });

  it("survives a round trip with evidence, every kind of proposal record, needs-info issues and the heartbeat", () => {
    let s = state({
      proposals: {
        "python_patterns/add-ast_parse": record(),
        "python_patterns/replace-glob": record({ id: "python_patterns/replace-glob", status: "declined", pr: 9, weight_at_close: 3.5, digest: null }),
        "python_patterns/add-docker_run": record({ id: "python_patterns/add-docker_run", status: "rejected", pr: null, reason: "The change would make the manifest invalid: `docker_run` is forbidden", issues: [7] }),
        "ci_doctor/remove-web_fetch": record({ id: "ci_doctor/remove-web_fetch", status: "merged", pr: 12, issues: [] }),
      },
      heartbeat: { last_feedback: "2026-11-01T00:00:00Z", last_proposal: NOW, last_rebuild: null },
    });
    s = recordIssue(s, 1, [entry(), entry({ kind: "tool-problem", tool: "grep", severity: "blocking" })], false, NOW);
    s = recordIssue(s, 3, [entry({ issue: 3, author: "ben", kind: "tool-suggestion", tool: "glob", suggested_tool: "file_search" })], false, NOW);
    s = recordIssue(s, 8, [], true, NOW);
    expect(roundTrip(s)).toEqual({ state: s, broken: false });
  });

  it("reads a missing state as empty (the first dashboard), and garbage as broken (a rebuild is then due)", () => {
    expect(parseDashboardState(undefined)).toEqual({ state: emptyDashboardState(), broken: false });
    expect(parseDashboardState("")).toEqual({ state: emptyDashboardState(), broken: false });
    expect(parseDashboardState("{not json")).toEqual({ state: emptyDashboardState(), broken: true });
    expect(parseDashboardState(JSON.stringify({ v: 2 }))).toEqual({ state: emptyDashboardState(), broken: true });
    expect(parseDashboardState(JSON.stringify({ v: 1, evidence: "", proposals: [{ id: 3 }], needs_info: [], heartbeat: { last_feedback: null, last_proposal: null, last_rebuild: null } })).broken).toBe(true);
  });

  it("keeps the proposal records when only the evidence is unreadable: decisions are not lost to a rebuild", () => {
    const stored = JSON.parse(serializeDashboardState(state({ proposals: { [record().id]: record({ status: "declined", weight_at_close: 3 }) } }))) as Record<string, unknown>;
    // An entry of kind 9: no such kind.
    stored["evidence"] = JSON.stringify({ v: 1, s: [], e: [[1, -1, 0, 9, 0, 0, 0, -1]] });
    const parsed = parseDashboardState(JSON.stringify(stored));
    expect(parsed.broken).toBe(true);
    expect(parsed.state.proposals[record().id]).toMatchObject({ status: "declined", weight_at_close: 3 });
  });

  it("remembers at most 500 proposal records, the most recently updated, and the last 500 needs-info issues", () => {
    const proposals = Object.fromEntries(
      Array.from({ length: 520 }, (_, i) => {
        const r = record({ id: `t/add-tool_${String(i).padStart(3, "0")}`, updated_at: new Date(Date.parse(NOW) + i * 1000).toISOString() });
        return [r.id, r];
      }),
    );
    const needsInfo = Array.from({ length: 600 }, (_, i) => i + 1);
    const parsed = roundTrip(state({ proposals, needsInfo })).state;
    expect(Object.keys(parsed.proposals)).toHaveLength(500);
    expect(parsed.proposals["t/add-tool_019"]).toBeUndefined();
    expect(parsed.proposals["t/add-tool_020"]).toBeDefined();
    expect(parsed.needsInfo).toEqual(needsInfo.slice(100));
  });

  it("round-trips any state built from feedback (property)", () => {
    const spec = fc.record({
      issue: fc.integer({ min: 1, max: 30 }),
      kind: fc.constantFrom("missing-tool" as const, "tool-problem" as const, "tool-suggestion" as const),
      tool: fc.constantFrom("ast_parse", "grep", "mcp__github__create_issue", "a.b:c-d"),
      author: fc.option(fc.constantFrom("ana", "ben", "O'Brien", "ünïcode", "<script>"), { nil: null }),
      days: fc.integer({ min: 0, max: 800 }),
      needsInfo: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 40 }), (specs) => {
        let s = emptyDashboardState();
        for (const x of specs) {
          const at = new Date(Date.parse(NOW) - x.days * 86_400_000).toISOString();
          const e = entry({ issue: x.issue, kind: x.kind, tool: x.tool, author: x.author, created_at: at, severity: x.kind === "tool-problem" ? "degraded" : null, suggested_tool: x.kind === "tool-suggestion" ? "treesitter" : null });
          s = recordIssue(s, x.issue, [e], x.needsInfo, NOW);
        }
        expect(roundTrip(s)).toEqual({ state: s, broken: false });
      }),
    );
  });
});

describe("recording one issue", () => {
  it("replaces that issue's entries and leaves the others, without touching the state it was given", () => {
    const first = recordIssue(emptyDashboardState(), 1, [entry()], false, NOW);
    const second = recordIssue(first, 2, [entry({ issue: 2, author: "ben" })], false, NOW);
    const frozen = structuredClone(second);
    const edited = recordIssue(second, 1, [entry({ tool: "grep" })], false, NOW);
    expect(second).toEqual(frozen);
    expect(edited.evidence.entries.map((e) => [e.issue, e.tool])).toEqual([
      [1, "grep"],
      [2, "ast_parse"],
    ]);
    expect(edited.evidence).toEqual(applyIssue(applyIssue(emptyState(), 2, [entry({ issue: 2, author: "ben" })]), 1, [entry({ tool: "grep" })]));
  });

  it("drops an issue closed as not planned", () => {
    const s = recordIssue(emptyDashboardState(), 1, [entry()], false, NOW);
    expect(recordIssue(s, 1, [entry({ state: "closed", state_reason: "not_planned" })], false, NOW).evidence.entries).toEqual([]);
  });

  it.each([
    { before: [], issue: 5, needsInfo: true, after: [5] },
    { before: [2, 9], issue: 5, needsInfo: true, after: [2, 5, 9] },
    { before: [2, 5, 9], issue: 5, needsInfo: true, after: [2, 5, 9] },
    { before: [2, 5, 9], issue: 5, needsInfo: false, after: [2, 9] },
    { before: [2, 9], issue: 5, needsInfo: false, after: [2, 9] },
  ])("keeps needs-info issues as a sorted set: $before + #$issue ($needsInfo) → $after", ({ before, issue, needsInfo, after }) => {
    expect(recordIssue(state({ needsInfo: before }), issue, [], needsInfo, NOW).needsInfo).toEqual(after);
  });

  it("moves the last-feedback heartbeat to the newest report, never back", () => {
    const s = recordIssue(emptyDashboardState(), 1, [entry({ created_at: "2026-11-05T00:00:00Z" })], false, NOW);
    expect(s.heartbeat.last_feedback).toBe("2026-11-05T00:00:00Z");
    expect(recordIssue(s, 2, [entry({ issue: 2, created_at: "2026-10-01T00:00:00Z" })], false, NOW).heartbeat.last_feedback).toBe("2026-11-05T00:00:00Z");
    expect(recordIssue(s, 3, [entry({ issue: 3, created_at: "2026-11-08T00:00:00Z" })], false, NOW).heartbeat.last_feedback).toBe("2026-11-08T00:00:00Z");
  });
});

describe("whether a proposal may be made", () => {
  it.each<{ name: string; rec: ProposalRecord | undefined; weight: number; may: boolean }>([
    { name: "never made", rec: undefined, weight: 3, may: true },
    { name: "open (its body is kept up to date)", rec: record(), weight: 3, may: true },
    { name: "rejected (checked again)", rec: record({ status: "rejected", pr: null }), weight: 3, may: true },
    { name: "merged", rec: record({ status: "merged" }), weight: 30, may: false },
    { name: "declined at 3, now 5.9", rec: record({ status: "declined", weight_at_close: 3 }), weight: 5.9, may: false },
    { name: "declined at 3, now 6 (doubled)", rec: record({ status: "declined", weight_at_close: 3 }), weight: 6, may: true },
    { name: "declined with no weight recorded", rec: record({ status: "declined", weight_at_close: null }), weight: 100, may: false },
  ])("$name → $may", ({ rec, weight, may }) => {
    const s = state({ proposals: rec ? { [rec.id]: rec } : {} });
    expect(mayPropose(s, "python_patterns/add-ast_parse", weight)).toBe(may);
  });
});
