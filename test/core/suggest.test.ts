import { describe, expect, it } from "vitest";
import type { Evidence, KeyEvidence, ReplacementSignal, Signal, UsageFigures } from "../../src/core/aggregate.js";
import { buildCatalog } from "../../src/core/catalog.js";
import { defaultConfig } from "../../src/core/config-schema.js";
import { normalizeManifest, type ManifestInput } from "../../src/core/manifest-schema.js";
import { suggest } from "../../src/core/suggest.js";

const thresholds = defaultConfig().feedback.thresholds; // add 3, replace 3, remove_unused 30

function manifest(overrides: Partial<ManifestInput> = {}) {
  return normalizeManifest({
    apprentice_type: "python_patterns",
    description: "Analyzes Python code",
    required_tools: ["read_file", "grep", "regex_search"],
    optional_tools: ["multi_edit", "web_search", "git_*"],
    forbidden_tools: ["docker_*", "mcp__discord"],
    ...overrides,
  });
}

const signal = (weight: number, overrides: Partial<Signal> = {}): Signal => ({ weight, count: Math.ceil(weight), issues: [1, 2, 3], reporters: ["alice", "bob", "carol"], latest: "2026-11-01T00:00:00.000Z", ...overrides });
const NONE = signal(0, { count: 0, issues: [], reporters: [], latest: null });

function key(tool: string, overrides: Partial<KeyEvidence> = {}): KeyEvidence {
  return {
    apprentice_type: "python_patterns",
    tool,
    missing: NONE,
    problems: { ...NONE, by_severity: { blocking: { weight: 0, count: 0, issues: [] }, degraded: { weight: 0, count: 0, issues: [] }, minor: { weight: 0, count: 0, issues: [] }, unspecified: { weight: 0, count: 0, issues: [] } } },
    replacements: [],
    usage: null,
    issues: [],
    reporters: [],
    ...overrides,
  };
}

const replacement = (to: string, weight: number): ReplacementSignal => ({ to, ...signal(weight) });
const usage = (sessions_provided_weight: number, calls = 0): UsageFigures => ({ sessions_provided: Math.ceil(sessions_provided_weight), sessions_provided_weight, sessions_called: calls > 0 ? 1 : 0, calls, calls_weight: calls, sessions_unprovided_calls: 0, last_called: null });
const evidence = (...keys: KeyEvidence[]): Evidence => ({ now: "2026-11-01T00:00:00.000Z", half_life_days: 90, distinct_reporters: true, keys, last_feedback: null, sessions: 0 });
const catalog = buildCatalog([{ server: "code", file: "catalog/code.json", data: ["treesitter", "ast_parse", "ast_grep"] }]).catalog;

describe("add rule", () => {
  it("adds a tool missing with weight ≥ add to optional_tools, never to required", () => {
    const { proposals, blocked } = suggest(evidence(key("ast_parse", { missing: signal(3) })), [manifest()], { thresholds });
    expect(blocked).toEqual([]);
    expect(proposals).toEqual([
      {
        id: "python_patterns/add-ast_parse",
        apprentice_type: "python_patterns",
        change: "add",
        tool: "ast_parse",
        lists: ["optional_tools"],
        evidence: { issues: [1, 2, 3], reporters: ["alice", "bob", "carol"], weight: 3, count: 3, threshold: 3, usage: null },
        why: "3 reports from 3 reporters (weight 3 ≥ 3) say python_patterns is missing `ast_parse`, so it is added to optional_tools.",
      },
    ]);
  });

  it.each([
    ["below the threshold", "ast_parse", 2.99],
    ["already required", "grep", 5],
    ["already optional", "web_search", 5],
    ["covered by an optional pattern", "git_log", 5],
  ])("proposes nothing when the tool is %s", (_, tool, weight) => {
    expect(suggest(evidence(key(tool, { missing: signal(weight) })), [manifest()], { thresholds })).toEqual({ proposals: [], blocked: [] });
  });

  it.each([
    ["docker_run", "docker_*"],
    ["mcp__discord__send", "mcp__discord"],
  ])("blocks %s: requested but forbidden by %s", (tool, pattern) => {
    const { proposals, blocked } = suggest(evidence(key(tool, { missing: signal(4) })), [manifest()], { thresholds });
    expect(proposals).toEqual([]);
    expect(blocked).toEqual([expect.objectContaining({ id: `python_patterns/add-${tool}`, change: "add", tool, blocked_by: "forbidden", pattern, reason: `requested but forbidden by \`${pattern}\`` })]);
  });

  it("ignores evidence for an apprentice type without a manifest", () => {
    expect(suggest(evidence(key("ast_parse", { apprentice_type: "ghost", missing: signal(9) })), [manifest()], { thresholds }).proposals).toEqual([]);
  });

  it("reads its threshold from config", () => {
    const ev = evidence(key("ast_parse", { missing: signal(1.5) }));
    expect(suggest(ev, [manifest()], { thresholds: { ...thresholds, add: 1.5 } }).proposals).toHaveLength(1);
    expect(suggest(ev, [manifest()], { thresholds: { ...thresholds, add: 1.6 } }).proposals).toHaveLength(0);
  });
});

describe("replace rule", () => {
  it("replaces X with Y where X stands, Y in the catalog", () => {
    const { proposals } = suggest(evidence(key("regex_search", { replacements: [replacement("treesitter", 3)] })), [manifest()], { thresholds, catalog });
    expect(proposals).toEqual([
      expect.objectContaining({ id: "python_patterns/replace-regex_search", change: "replace", tool: "regex_search", replacement: "treesitter", lists: ["required_tools"], why: expect.stringContaining("suggest `treesitter` instead of `regex_search`") }),
    ]);
  });

  it("names every list X stands in", () => {
    const m = manifest({ optional_tools: ["regex_search"] });
    expect(suggest(evidence(key("regex_search", { replacements: [replacement("treesitter", 3)] })), [m], { thresholds }).proposals[0]?.lists).toEqual(["required_tools", "optional_tools"]);
  });

  it("accepts any Y without a catalog, and blocks one the catalog lacks", () => {
    const ev = evidence(key("regex_search", { replacements: [replacement("ripgrep", 3)] }));
    expect(suggest(ev, [manifest()], { thresholds }).proposals).toHaveLength(1);
    const withCatalog = suggest(ev, [manifest()], { thresholds, catalog });
    expect(withCatalog.proposals).toEqual([]);
    expect(withCatalog.blocked).toEqual([expect.objectContaining({ blocked_by: "not-in-catalog", replacement: "ripgrep", reason: "`ripgrep` is suggested instead of `regex_search` but is not in the catalog" })]);
  });

  it("blocks a forbidden Y and falls back to the next suggestion over the threshold", () => {
    const ev = evidence(key("regex_search", { replacements: [replacement("docker_grep", 5), replacement("ast_grep", 3), replacement("treesitter", 2)] }));
    const { proposals, blocked } = suggest(ev, [manifest()], { thresholds, catalog: buildCatalog([{ server: "x", file: "x", data: ["docker_grep", "ast_grep", "treesitter"] }]).catalog });
    expect(blocked.map((b) => [b.replacement, b.pattern])).toEqual([["docker_grep", "docker_*"]]);
    expect(proposals.map((p) => p.replacement)).toEqual(["ast_grep"]);
  });

  it.each([
    ["below the threshold", "regex_search", "treesitter", 2.9],
    ["X is not listed", "file_search", "treesitter", 5],
    ["Y is already listed", "regex_search", "grep", 5],
    ["X is only matched by a pattern", "git_log", "treesitter", 5],
  ])("proposes nothing when %s", (_, tool, to, weight) => {
    expect(suggest(evidence(key(tool, { replacements: [replacement(to, weight)] })), [manifest()], { thresholds }).proposals).toEqual([]);
  });
});

describe("remove rule", () => {
  it("removes an optional tool given in ≥ remove_unused recent sessions and never called", () => {
    const { proposals } = suggest(evidence(key("web_search", { usage: usage(30) })), [manifest()], { thresholds });
    expect(proposals).toEqual([
      expect.objectContaining({
        id: "python_patterns/remove-web_search",
        change: "remove",
        lists: ["optional_tools"],
        evidence: expect.objectContaining({ weight: 30, count: 30, threshold: 30, usage: usage(30) }),
        why: "python_patterns was given `web_search` in 30 sessions (weight 30 ≥ 30) and never called it, so it is removed from optional_tools.",
      }),
    ]);
  });

  it.each([
    ["called once", "web_search", usage(100, 1)],
    ["given in too few recent sessions", "web_search", usage(29.9)],
    ["required", "grep", usage(100)],
    ["given through a pattern", "git_log", usage(100)],
  ])("keeps a tool %s", (_, tool, u) => {
    expect(suggest(evidence(key(tool, { usage: u })), [manifest()], { thresholds }).proposals).toEqual([]);
  });

  it("does not also remove a tool it proposes to replace", () => {
    const m = manifest({ optional_tools: ["regex_search"], required_tools: [] });
    const ids = suggest(evidence(key("regex_search", { usage: usage(50), replacements: [replacement("treesitter", 3)] })), [m], { thresholds }).proposals.map((p) => p.id);
    expect(ids).toEqual(["python_patterns/replace-regex_search"]);
  });
});

it("orders proposals by apprentice type, then add, replace, remove", () => {
  const other = manifest({ apprentice_type: "a_first" });
  const ev = evidence(
    key("web_search", { usage: usage(40) }),
    key("ast_parse", { missing: signal(3) }),
    key("regex_search", { replacements: [replacement("treesitter", 3)] }),
    key("zzz_tool", { apprentice_type: "a_first", missing: signal(3) }),
  );
  expect(suggest(ev, [manifest(), other], { thresholds }).proposals.map((p) => p.id)).toEqual(["a_first/add-zzz_tool", "python_patterns/add-ast_parse", "python_patterns/replace-regex_search", "python_patterns/remove-web_search"]);
});
