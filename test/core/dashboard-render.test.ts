import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeState, encodeState } from "../../src/app/state-codec.js";
import { summarize, type Evidence } from "../../src/core/aggregate.js";
import { defaultConfig } from "../../src/core/config-schema.js";
import {
  BODY_LIMIT,
  DASHBOARD_MARKER,
  extractStateBlob,
  REBUILD_MARKER,
  rebuildRequested,
  renderDashboard,
  renderDashboardWithin,
  STATE_OPEN,
  type DashboardInput,
} from "../../src/core/dashboard-render.js";
import { emptyDashboardState, parseDashboardState, serializeDashboardState, type DashboardState, type ProposalRecord } from "../../src/core/dashboard-state.js";
import { compareEntries, type EvidenceEntry } from "../../src/core/evidence-state.js";
import { normalizeManifest } from "../../src/core/manifest-schema.js";
import type { ApprenticePlan, Plan } from "../../src/core/plan.js";
import { suggest } from "../../src/core/suggest.js";
import type { UsageRecord } from "../../src/core/usage.js";

const NOW = "2026-11-10T12:00:00.000Z";
const NOW_S = Date.parse(NOW) / 1000;
const DAY_S = 86_400;
const THRESHOLDS = { add: 3, replace: 3, remove_unused: 30 };
const FEEDBACK = { ...defaultConfig().feedback, thresholds: THRESHOLDS };

function ev(overrides: Partial<EvidenceEntry> = {}): EvidenceEntry {
  return { issue: 1, author: "ana", at: NOW_S, kind: "missing-tool", apprentice_type: "python_patterns", tool: "ast_parse", severity: null, suggested_tool: null, ...overrides };
}

function rec(overrides: Partial<ProposalRecord> = {}): ProposalRecord {
  return { id: "python_patterns/add-ast_parse", status: "open", pr: 40, weight_at_close: null, reason: null, issues: [1, 2, 3], digest: null, updated_at: NOW, ...overrides };
}

function stateOf(entries: EvidenceEntry[], overrides: Partial<DashboardState> = {}): DashboardState {
  return { ...emptyDashboardState(), evidence: { version: 1, entries: [...entries].sort(compareEntries) }, ...overrides };
}

const PYTHON = normalizeManifest({
  apprentice_type: "python_patterns",
  description: "Reviews Python",
  required_tools: ["read_file", "grep"],
  optional_tools: ["glob", "lint_python"],
  forbidden_tools: ["docker_*"],
});

function plan(...capacities: [number, number, ApprenticePlan["status"]][]): Plan {
  return {
    limits: { max_tools: 50, safety_margin: 5, max_tokens: null },
    apprentices: capacities.map(([used, available, status], i) => ({ apprentice_type: `t${i}`, file: `manifests/t${i}.yaml`, status, tools: [], excluded: [], substitutions: [], capacity: { used, available }, tokens: null, max_tokens: null, sources: {}, missing_required: [] })),
  };
}

/** Input for the renderer: evidence summarised from the state, proposals from the real rules. */
function input(state: DashboardState, extra: Partial<DashboardInput> & { usage?: UsageRecord[] } = {}): DashboardInput {
  const { usage = [], ...rest } = extra;
  const evidence: Evidence = summarize(state.evidence, NOW, FEEDBACK, usage);
  const { proposals, blocked } = suggest(evidence, [PYTHON], { thresholds: THRESHOLDS });
  return { evidence, state, thresholds: THRESHOLDS, proposals, blocked, stateBlob: "STATEBLOB", ...rest };
}

/** Table rows whose second cell names `tool`. */
const rowOf = (body: string, tool: string) => body.split("\n").filter((l) => l.startsWith("| ") && l.split(" | ")[1] === `\`${tool}\``);
/** The body with code spans and the hidden state removed: what GitHub would read as prose. */
const prose = (body: string) => body.replace(/`[^`\n]*`/g, "").replace(/<!-- apprentice-tools:state [^>]*-->/, "");

const reporters = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);
const needEntries = (tool: string, firstIssue: number, who: string[], ageDays = 0) => who.map((author, i) => ev({ issue: firstIssue + i, author, tool, at: NOW_S - ageDays * DAY_S }));

describe("the dashboard body", () => {
  const entries = [
    ...needEntries("ast_parse", 1, reporters(3)),
    ...needEntries("docker_run", 10, reporters(3)),
    ...needEntries("treesitter_parse", 20, reporters(4)),
    ...needEntries("web_fetch", 30, reporters(4)),
    ...needEntries("notebook_run", 40, reporters(4)),
    ...needEntries("file_search", 50, reporters(3)),
    ...needEntries("lsp_hover", 60, reporters(2)),
    ev({ issue: 70, kind: "tool-problem", tool: "grep", severity: "minor" }),
    ev({ issue: 71, kind: "tool-problem", tool: "glob", severity: "blocking" }),
    ev({ issue: 72, author: "ben", kind: "tool-problem", tool: "glob", severity: "degraded" }),
    ev({ issue: 73, kind: "tool-suggestion", tool: "glob", suggested_tool: "file_search" }),
  ];
  const state = stateOf(entries, {
    proposals: {
      "python_patterns/add-ast_parse": rec(),
      "python_patterns/add-treesitter_parse": rec({ id: "python_patterns/add-treesitter_parse", status: "merged", pr: 41 }),
      "python_patterns/add-web_fetch": rec({ id: "python_patterns/add-web_fetch", status: "declined", pr: 42, weight_at_close: 4 }),
      "python_patterns/add-notebook_run": rec({ id: "python_patterns/add-notebook_run", status: "rejected", pr: null, reason: "`notebook_run` would not fit: python_patterns already uses 45 of 45 tool slots" }),
    },
    needsInfo: [80, 81],
    heartbeat: { last_feedback: "2026-11-09T08:00:00Z", last_proposal: "2026-11-01T00:00:00Z", last_rebuild: null },
  });
  const usage: UsageRecord[] = Array.from({ length: 3 }, (_, i) => ({ ts: NOW, apprentice_type: "python_patterns", session: `s${i}`, provided: ["read_file", "glob", "lint_python"], calls: { read_file: 4, glob: 1 } }));
  const body = renderDashboard(input(state, { usage, plan: plan([5, 45, "ok"], [44, 45, "ok"], [3, 45, "invalid"]) }));

  it("starts with its marker and ends with the rebuild box and the hidden state", () => {
    expect(body.startsWith(`${DASHBOARD_MARKER}\n`)).toBe(true);
    expect(body.endsWith(`- [ ] ${REBUILD_MARKER} Rebuild this dashboard from every feedback issue (tick to run)\n\n${STATE_OPEN}STATEBLOB -->\n`)).toBe(true);
    expect(extractStateBlob(body)).toBe("STATEBLOB");
    expect(rebuildRequested(body)).toBe(false);
  });

  it("gives the heartbeat as information and the measures as celebration", () => {
    expect(body).toContain("_Last feedback 2026-11-09 · last proposal 2026-11-01 · last full rebuild —_");
    expect(body).toContain("🎯 **2 of 3** apprentices get their tools within the limits.");
    // 27 issues carry feedback; two more needed information.
    expect(body).toContain("💬 **27 of 29** feedback issues understood without asking for more.");
    expect(body).toContain("🌱 **1** need met by merged proposals; 6 still open.");
    expect(body).toContain("🧹 **1** tool given but unused — candidates to lighten an apprentice's load.");
  });

  it.each([
    ["ast_parse", "| `python_patterns` | `ast_parse` | 3.0 | 3 | #1 #2 #3 | proposal #40 |"],
    ["treesitter_parse", "| `python_patterns` | `treesitter_parse` | 4.0 | 4 | #20 #21 #22 #23 | added in #41 |"],
    ["web_fetch", "| `python_patterns` | `web_fetch` | 4.0 | 4 | #30 #31 #32 #33 | declined in #42; back when evidence reaches 8.0 |"],
    ["notebook_run", "| `python_patterns` | `notebook_run` | 4.0 | 4 | #40 #41 #42 #43 | not proposed: &#96;notebook&#95;run&#96; would not fit: python&#95;patterns already uses 45 of 45 tool slots |"],
    ["docker_run", "| `python_patterns` | `docker_run` | 3.0 | 3 | #10 #11 #12 | requested but forbidden by `docker_*` |"],
    ["file_search", "| `python_patterns` | `file_search` | 3.0 | 3 | #50 #51 #52 | proposal pending |"],
    ["lsp_hover", "| `python_patterns` | `lsp_hover` | 2.0 | 2 | #60 #61 | 2.0 of 3 |"],
  ])("lists the need for %s with where it stands", (tool, row) => {
    expect(rowOf(body, tool)).toContain(row);
  });

  it("lists needs by weight, problems critical first, suggestions, unused tools and every proposal", () => {
    const needs = body.slice(body.indexOf("### Needs"), body.indexOf("### Problems"));
    expect(needs.split("\n").filter((l) => l.startsWith("| `")).map((l) => l.split(" | ")[1])).toEqual(["`notebook_run`", "`treesitter_parse`", "`web_fetch`", "`ast_parse`", "`docker_run`", "`file_search`", "`lsp_hover`"]);
    expect(body).toContain("| `python_patterns` | `glob` | 🔴 blocking 1, degraded 1 | 2.0 | #71 #72 |\n| `python_patterns` | `grep` | minor 1 | 1.0 | #70 |");
    expect(body).toContain("| Apprentice | Replace | With | Weight | Issues | Status |\n| --- | --- | --- | --- | --- | --- |\n| `python_patterns` | `glob` | `file_search` | 1.0 | #73 | 1.0 of 3 |");
    expect(body).toContain("Given but never called in 3 recorded sessions; removal is proposed from 30 sessions.");
    expect(body).toContain("| `python_patterns` | `lint_python` | 3 | 0 |");
    expect(body).toContain("Open: #40 (`python_patterns/add-ast_parse`)");
    expect(body).toContain("Merged, with thanks to the reporters: `python_patterns/add-treesitter_parse` in #41");
    expect(body).toContain("Declined (not proposed again unless the evidence doubles): `python_patterns/add-web_fetch` in #42");
    expect(body).toContain("Not opened:\n- `python_patterns/add-notebook_run`: &#96;notebook&#95;run&#96; would not fit");
  });

  it("draws the strongest needs against the threshold as a Mermaid chart", () => {
    const chart = body.slice(body.indexOf("```mermaid"), body.indexOf("```", body.indexOf("```mermaid") + 3) + 3);
    // Labels are cut at 30 characters.
    expect(chart).toContain('x-axis ["python_patterns/notebook_run", "python_patterns/treesitter_par", "python_patterns/web_fetch", "python_patterns/ast_parse"');
    expect(chart).toContain("bar [4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 2.0]");
    expect(chart).toContain("line [3, 3, 3, 3, 3, 3, 3]");
  });

  it("matches the reviewed rendering", () => {
    expect(body).toMatchSnapshot();
  });

  it("says plainly when there is nothing yet, without a chart", () => {
    const empty = renderDashboard(input(emptyDashboardState()));
    for (const line of ["No apprentice has reported a missing tool.", "No tool problems reported.", "No replacements suggested.", "No usage summaries recorded yet.", "No proposal is open.", "🌱 **0** needs met by merged proposals; 0 still open."]) {
      expect(empty).toContain(line);
    }
    expect(empty).not.toContain("```mermaid");
    expect(empty).not.toContain("💬");
  });

  it("shows 25 rows per table and says how many more there are", () => {
    const many = stateOf(Array.from({ length: 40 }, (_, i) => ev({ issue: i + 1, tool: `tool_${String(i).padStart(2, "0")}` })));
    const text = renderDashboard(input(many));
    expect(text.split("\n").filter((l) => l.startsWith("| `python_patterns` | `tool_"))).toHaveLength(25);
    expect(text).toContain("_…and 15 more._");
  });
});

describe("text from issues on the dashboard", () => {
  const hostile = [
    "x`|@alice <b>bold</b>",
    "\n- [x] " + REBUILD_MARKER + " tick",
    "<!-- apprentice-tools:state H4sIAAAA -->",
    "a".repeat(400),
    "@org/team\r\n| forged | row |",
  ];

  it.each(hostile)("escapes, truncates and disarms %j in every place it can appear", (text) => {
    const state = stateOf([ev({ apprentice_type: text }), ev({ issue: 2, apprentice_type: text, kind: "tool-suggestion", tool: "glob", suggested_tool: "grep" }), ev({ issue: 3, apprentice_type: text, kind: "tool-problem", tool: "grep" }), ev({ issue: 4, apprentice_type: text, tool: "lsp" })], {
      proposals: { [`${text}/add-ast_parse`]: rec({ id: `${text}/add-ast_parse`, status: "rejected", pr: null, reason: text }) },
    });
    const body = renderDashboard(input(state, { stateBlob: "REAL" }));
    expect(rebuildRequested(body)).toBe(false);
    expect(extractStateBlob(body)).toBe("REAL");
    expect(prose(body)).not.toMatch(/@[A-Za-z0-9]/);
    expect(prose(body)).not.toMatch(/<(?!!-- apprentice-tools:(dashboard|rebuild) -->)/);
    // No line but the table rows the renderer wrote starts a table row.
    expect(body.split("\n").filter((l) => l.startsWith("| forged"))).toEqual([]);
    expect(body).not.toContain("a".repeat(200));
  });

  it("cannot forge the rebuild box or the hidden state, whatever the text (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), fc.string({ maxLength: 300 }), (type, pattern, reason) => {
        const state = stateOf([ev({ apprentice_type: type }), ev({ issue: 2, apprentice_type: type, tool: "docker_run" })], {
          proposals: { [`${type}/add-x`]: rec({ id: `${type}/add-x`, status: "rejected", pr: null, reason }) },
        });
        const evidence = summarize(state.evidence, NOW, FEEDBACK);
        const blocked = [{ id: `${type}/add-docker_run`, apprentice_type: type, change: "add" as const, tool: "docker_run", blocked_by: "forbidden" as const, pattern, reason: `requested but forbidden by \`${pattern}\``, evidence: { issues: [2], reporters: [], weight: 1, count: 1, threshold: 3, usage: null } }];
        const body = renderDashboard({ evidence, state, thresholds: { add: 1, replace: 1, remove_unused: 1 }, proposals: [], blocked, stateBlob: "REAL" });
        expect(rebuildRequested(body)).toBe(false);
        expect(extractStateBlob(body)).toBe("REAL");
      }),
    );
  });
});

describe("the hidden state's markers", () => {
  const body = renderDashboard(input(stateOf([ev()]), { stateBlob: "QUJD" }));

  it.each([
    ["as written", body, "QUJD"],
    ["after a browser edit turned every newline into CRLF", body.replace(/\n/g, "\r\n"), "QUJD"],
    ["with the state removed by hand", body.replace(/<!-- apprentice-tools:state [^>]*-->/, ""), undefined],
    ["with its end cut off", body.slice(0, body.lastIndexOf(" -->")), undefined],
  ])("reads the state %s", (_, text, blob) => {
    expect(extractStateBlob(text)).toBe(blob);
  });

  it.each([
    ["- [x]", true],
    ["- [X]", true],
    ["- [ ]", false],
  ])("reads %s as a rebuild request: %s", (box, requested) => {
    const edited = body.replace(`- [ ] ${REBUILD_MARKER}`, `${box} ${REBUILD_MARKER}`);
    expect(rebuildRequested(edited)).toBe(requested);
    expect(rebuildRequested(edited.replace(/\n/g, "\r\n"))).toBe(requested);
  });

  it("ignores a ticked box that is not a line of its own", () => {
    expect(rebuildRequested(`| cell | - [x] ${REBUILD_MARKER} |`)).toBe(false);
    expect(rebuildRequested(`> - [x] ${REBUILD_MARKER}`)).toBe(false);
  });
});

describe("the body within GitHub's limit", () => {
  const encode = (s: DashboardState) => encodeState(serializeDashboardState(s));

  /** `n` entries over `tools` tools and `people` reporters, spread over two years. */
  function history(n: number, tools: number, people: number, toolName = (i: number) => `tool_${i}`): EvidenceEntry[] {
    return Array.from({ length: n }, (_, i) => ev({ issue: i + 1, author: `reporter-${(i * 13) % people}`, tool: toolName((i * 7) % tools), at: NOW_S - ((i * 37) % 730) * DAY_S - (i % 86_400), kind: i % 3 === 0 ? "tool-problem" : "missing-tool", severity: i % 3 === 0 ? "degraded" : null }));
  }

  it.each([
    { name: "150 tools, 400 reporters", tools: 150, people: 400, name_: (i: number) => `tool_${i}` },
    { name: "1,500 tools with long names, 4,000 reporters", tools: 1500, people: 4000, name_: (i: number) => `mcp__server_${i % 40}__${"long_tool_name_".repeat(6)}${i}` },
  ])("stays under 65,536 characters with 4,000 state entries: $name", ({ tools, people, name_ }) => {
    const state = stateOf(history(4000, tools, people, name_), {
      needsInfo: Array.from({ length: 500 }, (_, i) => 5000 + i),
      proposals: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`python_patterns/add-x${i}`, rec({ id: `python_patterns/add-x${i}`, status: i % 2 ? "declined" : "rejected", pr: 100 + i, reason: "<b>".repeat(100), issues: [1, 2, 3] })])),
    });
    const { stateBlob: _, ...rest } = input(state);
    const fitted = renderDashboardWithin(rest, encode);
    expect(fitted.body.length).toBeLessThanOrEqual(BODY_LIMIT);
    const stored = parseDashboardState(decodeState(extractStateBlob(fitted.body)));
    expect(stored).toEqual({ state: fitted.state, broken: false });
    // What is left out is the oldest evidence only.
    expect(fitted.state.evidence.entries.length).toBe(4000 - fitted.dropped);
    const oldestKept = Math.min(...fitted.state.evidence.entries.map((e) => e.at));
    const keptIssues = new Set(fitted.state.evidence.entries.map((e) => e.issue));
    expect(state.evidence.entries.filter((e) => !keptIssues.has(e.issue)).every((e) => e.at <= oldestKept)).toBe(true);
    expect(fitted.state.proposals).toEqual(state.proposals);
    console.log(`4,000 entries, ${tools} tools, ${people} reporters: body ${fitted.body.length} characters, ${fitted.dropped} oldest entries left out`);
  });

  it("keeps everything when it fits", () => {
    const state = stateOf(history(300, 20, 30));
    const { stateBlob: _, ...rest } = input(state);
    const fitted = renderDashboardWithin(rest, encode);
    expect(fitted).toEqual({ body: renderDashboard({ ...rest, stateBlob: encode(state) }), state, dropped: 0 });
  });

  it("still fits when even an empty state would not: open proposals are what it keeps", () => {
    const state = stateOf([ev()], {
      proposals: {
        open: rec({ id: "open", status: "open" }),
        ...Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`d${i}`, rec({ id: `d${i}`, status: "declined", issues: Array.from({ length: 300 }, (_, j) => i * 1000 + j) })])),
      },
    });
    const { stateBlob: _, ...rest } = input(state);
    const fitted = renderDashboardWithin(rest, encode);
    expect(fitted.body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(Object.keys(fitted.state.proposals)).toEqual(["open"]);
  });
});
