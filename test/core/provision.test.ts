import { describe, expect, it } from "vitest";
import { buildCatalog, type Catalog, type CatalogTool } from "../../src/core/catalog.js";
import type { Manifest } from "../../src/core/manifest-schema.js";
import { effectiveLimits, provision, type ProvisionOptions } from "../../src/core/provision.js";
import { rankByTask } from "../../src/core/rank.js";
import { fixtureCatalog, limitsWith } from "../support/manifest-fixtures.js";

// DESIGN §4, example by example. The invariants over generated inputs live in
// provision.property.test.ts.

function manifest(overrides: Partial<Manifest> = {}): Manifest {
  return { apprentice_type: "m", description: "d", required_tools: [], optional_tools: [], forbidden_tools: [], alternatives: {}, tool_notes: {}, limits: {}, requirements: [], ...overrides };
}

function catalogOf(servers: Record<string, string[]>): Catalog {
  return buildCatalog(Object.entries(servers).map(([server, names]) => ({ server, file: `${server}.json`, data: names }))).catalog;
}

const COSTS: Record<string, number> = { read_file: 100, write_file: 120, edit_file: 150, grep: 90, glob: 60, bash: 40, run_tests: 40, treesitter_parse: 110, regex_search: 70 };
const costOf = (t: CatalogTool) => COSTS[t.name] ?? 50;

describe("provision (examples)", () => {
  const catalog = fixtureCatalog();
  const withCatalog = (extra: Partial<ProvisionOptions> = {}): ProvisionOptions => ({ limits: limitsWith(), catalog, tokensOf: costOf, ...extra });

  it("required tools first, then optional in manifest order; patterns expand in catalog order", () => {
    const m = manifest({ required_tools: ["grep", "read_file"], optional_tools: ["run_tests", "docker_*", "glob"], forbidden_tools: ["docker_run"] });
    const r = provision(m, withCatalog());
    expect(r.tools).toEqual(["grep", "read_file", "run_tests", "docker_ps", "docker_logs", "glob"]);
    expect(r.excluded).toEqual([{ tool: "docker_run", reason: "forbidden", detail: "docker_run" }]);
    expect(r.sources).toMatchObject({ grep: { kind: "required" }, docker_ps: { kind: "optional", entry: "docker_*" }, glob: { kind: "optional", entry: "glob" } });
    expect(r.missingRequired).toEqual([]);
  });

  it("a required tool listed twice is one tool: an unavailable one is substituted once, a missing one missed once", () => {
    const cat = catalogOf({ s1: ["a", "x_c", "x_b"] });
    const m = manifest({ required_tools: ["zz", "x_b", "zz", "gone", "mcp__s1__x_b", "gone"], alternatives: { zz: ["a", "x_c"] } });
    const r = provision(m, { limits: limitsWith({ max_tools: 5, safety_margin: 0 }), catalog: cat });
    expect(r.tools).toEqual(["a", "x_b"]);
    expect(r.substitutions).toEqual([{ tool: "zz", with: "a" }]);
    expect(r.missingRequired).toEqual(["gone"]);
    expect(r.excluded).toEqual([
      { tool: "zz", reason: "unavailable", detail: "replaced by a" },
      { tool: "gone", reason: "unavailable" },
      { tool: "mcp__s1__x_b", reason: "duplicate", detail: "listed earlier" },
    ]);
  });

  it("a required tool listed again as optional is one tool: substituted once, not once per list", () => {
    // Found by the property test (fast-check seed -272875824): `ba` got `c` as required and `ab` as optional.
    const cat = catalogOf({ s1: ["c", "a", "ab", "x"] });
    const m = manifest({ required_tools: ["ba", "a", "gone"], optional_tools: ["ba", "mcp__s1__a", "gone", "ab"], alternatives: { ba: ["c", "x"], gone: ["ab"] } });
    const r = provision(m, { limits: limitsWith({ max_tools: 5, safety_margin: 0 }), catalog: cat });
    // `ba` takes `c` and `gone` takes `ab` as required tools; the optional `ba` does not take `x` as well.
    expect(r.tools).toEqual(["c", "a", "ab"]);
    expect(r.substitutions).toEqual([
      { tool: "ba", with: "c" },
      { tool: "gone", with: "ab" },
    ]);
    expect(r.excluded).toEqual([
      { tool: "ba", reason: "unavailable", detail: "replaced by c" },
      { tool: "gone", reason: "unavailable", detail: "replaced by ab" },
      { tool: "mcp__s1__a", reason: "duplicate", detail: "listed earlier" },
      { tool: "ab", reason: "duplicate", detail: "listed earlier" },
    ]);
  });

  it("substitutes the first available alternative in the required tool's place", () => {
    const m = manifest({ required_tools: ["read_file", "ast_parse", "grep"], alternatives: { ast_parse: ["tree_sitter", "treesitter_parse", "regex_search"] } });
    const r = provision(m, withCatalog());
    expect(r.tools).toEqual(["read_file", "treesitter_parse", "grep"]);
    expect(r.substitutions).toEqual([{ tool: "ast_parse", with: "treesitter_parse" }]);
    expect(r.sources.treesitter_parse).toEqual({ kind: "alternative", for: "ast_parse" });
    expect(r.excluded).toEqual([{ tool: "ast_parse", reason: "unavailable", detail: "replaced by treesitter_parse" }]);
  });

  it("a required tool that is forbidden or unavailable without alternative is missing (degraded)", () => {
    const m = manifest({ required_tools: ["read_file", "bash", "lint_python"], forbidden_tools: ["mcp__shell"] });
    const r = provision(m, withCatalog());
    expect(r.tools).toEqual(["read_file"]);
    expect(r.missingRequired).toEqual(["bash", "lint_python"]);
    expect(r.excluded).toEqual([
      { tool: "bash", reason: "forbidden", detail: "mcp__shell" },
      { tool: "lint_python", reason: "unavailable" },
    ]);
  });

  it("fills up to max_tools − safety_margin, the rest over_limit", () => {
    const m = manifest({ required_tools: ["read_file"], optional_tools: ["grep", "glob", "bash", "edit_file"], limits: { max_tools: 8 } });
    const r = provision(m, withCatalog());
    expect(effectiveLimits(m, limitsWith()).capacity).toBe(3);
    expect(r.tools).toEqual(["read_file", "grep", "glob"]);
    expect(r.excluded).toEqual([
      { tool: "bash", reason: "over_limit" },
      { tool: "edit_file", reason: "over_limit" },
    ]);
    expect(r.capacity).toEqual({ used: 3, available: 3 });
  });

  it("keeps the token estimate within the tighter of the two budgets; a smaller tool may still fit after a big one", () => {
    const m = manifest({ required_tools: ["read_file"], optional_tools: ["edit_file", "bash", "glob"], limits: { max_tokens: 240 } });
    const r = provision(m, withCatalog({ limits: limitsWith({ max_tokens: 1000 }) }));
    expect(r.maxTokens).toBe(240);
    expect(r.tools).toEqual(["read_file", "bash", "glob"]);
    expect(r.tokens).toBe(200);
    expect(r.excluded).toEqual([{ tool: "edit_file", reason: "over_token_budget", detail: "150 tokens" }]);
  });

  it("without a catalog, names are taken as available, patterns cannot be expanded and tokens are unknown", () => {
    const m = manifest({ required_tools: ["read_file"], optional_tools: ["github_get_*", "grep"], limits: { max_tokens: 10 } });
    const r = provision(m, { limits: limitsWith(), tokensOf: costOf });
    expect(r.tools).toEqual(["read_file", "grep"]);
    expect(r.tokens).toBeNull();
    expect(r.excluded).toEqual([{ tool: "github_get_*", reason: "unavailable", detail: "no catalog to expand the pattern against" }]);
  });

  it("a duplicate listing is excluded as duplicate; a pattern re-matching a given tool is not", () => {
    const m = manifest({ required_tools: ["read_file", "read_file"], optional_tools: ["grep", "*_file", "grep"] });
    const r = provision(m, withCatalog());
    expect(r.tools).toEqual(["read_file", "grep", "write_file", "edit_file"]);
    expect(r.excluded).toEqual([
      { tool: "read_file", reason: "duplicate", detail: "listed earlier" },
      { tool: "grep", reason: "duplicate", detail: "listed earlier" },
    ]);
  });

  it("an unavailable optional tool is replaced by its alternative at its own rank", () => {
    const m = manifest({ optional_tools: ["find_references", "glob"], alternatives: { find_references: ["regex_search"] } });
    const r = provision(m, withCatalog());
    expect(r.tools).toEqual(["regex_search", "glob"]);
    expect(r.substitutions).toEqual([{ tool: "find_references", with: "regex_search" }]);
  });

  it("a substitution that does not fit is not reported as made", () => {
    const m = manifest({ required_tools: ["read_file"], optional_tools: ["find_references"], alternatives: { find_references: ["regex_search"] }, limits: { max_tools: 6 } });
    const r = provision(m, withCatalog());
    expect(r.tools).toEqual(["read_file"]);
    expect(r.substitutions).toEqual([]);
    expect(r.excluded).toContainEqual({ tool: "regex_search", reason: "over_limit" });
  });

  it("one tool under two names (listed and mcp__<server>__<name>) is one tool: given once, forbidden under either", () => {
    const cat = catalogOf({ fs: ["read_file", "write_file"], chat: ["send"] });
    const r = provision(manifest({ required_tools: ["mcp__fs__read_file"], optional_tools: ["read_file", "mcp__fs__*", "mcp__chat"], forbidden_tools: ["mcp__fs__write*", "mcp__chat_*"] }), { limits: limitsWith(), catalog: cat });
    expect(r.tools).toEqual(["mcp__fs__read_file"]);
    expect(r.excluded).toEqual([
      { tool: "read_file", reason: "duplicate", detail: "listed earlier" },
      { tool: "write_file", reason: "forbidden", detail: "mcp__fs__write*" },
      { tool: "send", reason: "forbidden", detail: "mcp__chat_*" },
    ]);
  });

  it("a forbidden plain name also forbids the tool's namespaced name", () => {
    const cat = catalogOf({ fs: ["read_file"] });
    const r = provision(manifest({ required_tools: ["mcp__fs__read_file"], forbidden_tools: ["read_*"] }), { limits: limitsWith(), catalog: cat });
    expect(r.tools).toEqual([]);
    expect(r.missingRequired).toEqual(["mcp__fs__read_file"]);
  });

  it("ranks optional tools by the task when one is given; required stay first", () => {
    const m = manifest({ required_tools: ["grep"], optional_tools: ["glob", "write_file", "bash", "docker_logs"], tool_notes: { bash: "run the test suite" } });
    const plain = provision(m, withCatalog());
    const ranked = provision(m, withCatalog({ rank: rankByTask("run the tests in a shell") }));
    expect(plain.tools).toEqual(["grep", "glob", "write_file", "bash", "docker_logs"]);
    expect(ranked.tools[0]).toBe("grep");
    expect(ranked.tools[1]).toBe("bash");
    expect([...ranked.tools].sort()).toEqual([...plain.tools].sort());
  });

  it("the task decides which optional tools make the cut when capacity is short", () => {
    const m = manifest({ optional_tools: ["glob", "write_file", "docker_logs"], limits: { max_tools: 6 } });
    expect(provision(m, withCatalog()).tools).toEqual(["glob"]);
    expect(provision(m, withCatalog({ rank: rankByTask("read the docker logs") })).tools).toEqual(["docker_logs"]);
  });
});
