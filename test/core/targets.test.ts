import { describe, expect, it } from "vitest";
import { buildCatalog, type Catalog, type CatalogFileInput, type CatalogTool } from "../../src/core/catalog.js";
import { checkRepository, planRepository } from "../../src/core/check-repository.js";
import { ConfigSchema, type GlobalLimits, type TargetId } from "../../src/core/config-schema.js";
import type { Finding } from "../../src/core/finding.js";
import { checkManifest, type CheckedManifest } from "../../src/core/manifest-check.js";
import { planApprentice, type ApprenticePlan } from "../../src/core/plan.js";
import { targetFindings } from "../../src/core/target-check.js";
import { TARGETS, contextShareLimit } from "../../src/core/targets.js";
import { manifestSourceFromBytes } from "../../src/io/repository.js";

const FILE = "manifests/probe.yaml";

interface Setup {
  /** Extra YAML lines after apprentice_type/description. */
  yaml: string;
  limits?: Partial<GlobalLimits>;
  catalog?: Catalog;
  tokensOf?: (t: CatalogTool) => number;
}

const wide: GlobalLimits = { max_tools: 2000, safety_margin: 0, max_tokens: null };

function setup(s: Setup): { checked: CheckedManifest; plan: ApprenticePlan; limits: GlobalLimits } {
  const limits = { ...wide, ...s.limits };
  const text = `apprentice_type: probe\ndescription: "probe"\n${s.yaml}`;
  const checked = checkManifest(manifestSourceFromBytes(FILE, new TextEncoder().encode(text)), s.catalog ? { limits, catalog: s.catalog } : { limits });
  if (!checked.manifest) throw new Error(`manifest did not parse: ${JSON.stringify(checked.findings)}`);
  const opts: Parameters<typeof planApprentice>[3] = { limits };
  if (s.catalog) opts.catalog = s.catalog;
  if (s.tokensOf) opts.tokensOf = s.tokensOf;
  return { checked, plan: planApprentice(checked.manifest, FILE, checked.findings, opts), limits };
}

function findingsFor(s: Setup, targets: TargetId[]): Finding[] {
  const { checked, plan, limits } = setup(s);
  return targetFindings(checked, plan, targets, s.catalog, limits);
}

function catalogOf(servers: Record<string, string[]>): Catalog {
  const files: CatalogFileInput[] = Object.entries(servers).map(([server, names]) => ({ server, file: `catalog/${server}.json`, data: names }));
  const { catalog, problems } = buildCatalog(files);
  expect(problems).toEqual([]);
  return catalog;
}

const toolList = (n: number) => Array.from({ length: n }, (_, i) => `t${i + 1}`);
const optional = (names: readonly string[]) => `optional_tools:\n${names.map((n) => `  - ${n}`).join("\n")}\n`;
const codes = (fs: readonly Finding[]) => fs.map((f) => f.code);

describe("the targets table", () => {
  it("has a rule set for every target id, and every figure the issue names", () => {
    expect(TARGETS.cursor.maxTools?.max).toBe(80);
    expect(TARGETS.cursor.nameLength).toMatchObject({ measure: "server+tool", max: 60 });
    expect(TARGETS.vscode.maxTools?.max).toBe(128);
    expect(TARGETS.vscode.grouping?.from).toBe(64);
    expect(TARGETS.openai.maxTools?.max).toBe(128);
    expect(TARGETS.windsurf.maxTools?.max).toBe(100);
    expect(TARGETS.gemini.maxTools?.max).toBe(512);
    expect(TARGETS.gemini.nameLength).toMatchObject({ measure: "tool", max: 64 });
    expect(TARGETS["claude-code"].maxTools).toBeUndefined();
    expect(contextShareLimit(TARGETS["claude-code"].contextShare!)).toBe(20_000);
    expect(TARGETS["claude-code"].permissions?.partialWildcardsInAllow).toBe(false);
    for (const [id, rules] of Object.entries(TARGETS)) expect(rules.id).toBe(id);
  });
});

describe("tool count, exactly at and one past each limit", () => {
  it.each([
    ["cursor", 80],
    ["vscode", 128],
    ["openai", 128],
    ["windsurf", 100],
    ["gemini", 512],
  ] as [TargetId, number][])("%s takes %i tools and refuses one more", (target, max) => {
    expect(codes(findingsFor({ yaml: optional(toolList(max)) }, [target])).filter((c) => c === "target-tool-count")).toEqual([]);
    const over = findingsFor({ yaml: optional(toolList(max + 1)) }, [target]).filter((f) => f.code === "target-tool-count");
    expect(over).toHaveLength(1);
    expect(over[0]).toMatchObject({ severity: "error", line: 3, column: 1 });
    expect(over[0]?.message).toContain(`${max + 1} tools`);
    expect(over[0]?.message).toContain(`at most ${max} (1 over)`);
    expect(over[0]?.next_steps.join(" ")).toContain(`limits.max_tools: ${max} or fewer`);
    expect(over[0]?.next_steps.join(" ")).toContain("drop 1 optional tool");
  });

  it("points at limits.max_tools when the manifest sets it, and counts the safety margin into the fix", () => {
    const yaml = `limits:\n  max_tools: 95\n${optional(toolList(90))}`;
    const f = findingsFor({ yaml, limits: { safety_margin: 5 } }, ["cursor"]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: "target-tool-count", line: 4, column: 14 });
    expect(f[0]?.next_steps[0]).toContain("limits.max_tools: 85 or fewer (with safety_margin 5, at most 80 tools)");
  });

  it("mentions Cursor's older limit of 40", () => {
    const [f] = findingsFor({ yaml: optional(toolList(81)) }, ["cursor"]);
    expect(f?.guidance).toContain("40");
  });

  it("VS Code groups tools from 64: a notice at 64, nothing at 63, and no notice once the hard limit is broken", () => {
    expect(findingsFor({ yaml: optional(toolList(63)) }, ["vscode"])).toEqual([]);
    const at = findingsFor({ yaml: optional(toolList(64)) }, ["vscode"]);
    expect(at.map((f) => [f.code, f.severity])).toEqual([["target-tool-grouping", "notice"]]);
    expect(at[0]?.next_steps[0]).toContain("limits.max_tools: 63 or fewer");
    expect(codes(findingsFor({ yaml: optional(toolList(129)) }, ["vscode"]))).toEqual(["target-tool-count"]);
  });

  it("Claude Code has no count cap", () => {
    expect(findingsFor({ yaml: optional(toolList(600)) }, ["claude-code"])).toEqual([]);
  });
});

describe("Cursor: server name + tool name", () => {
  const name = (serverLength: number, toolLength: number) => ({ server: "s".repeat(serverLength), tool: "t".repeat(toolLength) });

  it.each([
    [59, false],
    [60, false],
    [61, true],
  ])("a combined %i characters → dropped: %s", (combined, dropped) => {
    const { server, tool } = name(10, combined - 10);
    const catalog = catalogOf({ [server]: [tool] });
    const f = findingsFor({ yaml: `required_tools: [${tool}]\n`, catalog }, ["cursor"]);
    if (!dropped) return expect(f).toEqual([]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ code: "target-name-too-long", severity: "error", line: 3 });
    expect(f[0]?.message).toContain(`10 + ${combined - 10} = ${combined}`);
    expect(f[0]?.next_steps[0]).toContain(`at most ${60 - (combined - 10)} characters`);
  });

  it("without a catalog, counts the shortest possible server name", () => {
    expect(findingsFor({ yaml: `required_tools: [${"t".repeat(59)}]\n` }, ["cursor"])).toEqual([]);
    const [f] = findingsFor({ yaml: `required_tools: [${"t".repeat(60)}]\n` }, ["cursor"]);
    expect(f?.message).toContain("one-character server name");
    expect(f?.next_steps[0]).toContain("no server name makes this one fit");
  });

  it("reads server and tool from a namespaced name", () => {
    const tool = `mcp__${"s".repeat(30)}__${"t".repeat(31)}`;
    expect(codes(findingsFor({ yaml: `required_tools: [${tool}]\n` }, ["cursor"]))).toEqual(["target-name-too-long"]);
  });
});

describe("Gemini and OpenAI names", () => {
  it.each([
    ["gemini", "t".repeat(64), []],
    ["gemini", "t".repeat(65), ["target-name-too-long"]],
    ["gemini", "9lives", ["target-name-invalid"]],
    ["gemini", "_private", []],
    ["gemini", "docs.search", []],
    ["gemini", "-dash", ["target-name-invalid"]],
    ["openai", "t".repeat(64), []],
    ["openai", "t".repeat(65), ["target-name-too-long"]],
    ["openai", "docs.search", ["target-name-invalid"]],
    ["openai", "9lives", []],
  ] as [TargetId, string, string[]][])("%s: `%s` → %j", (target, tool, expected) => {
    expect(codes(findingsFor({ yaml: `required_tools: [read_file, ${tool}]\n` }, [target]))).toEqual(expected);
  });

  it("says which character is wrong, and points at the entry", () => {
    const [f] = findingsFor({ yaml: `required_tools:\n  - read_file\n  - 9lives\n` }, ["gemini"]);
    expect(f).toMatchObject({ line: 5, column: 5 });
    expect(f?.message).toContain("starts with `9`");
    const [g] = findingsFor({ yaml: `required_tools: [docs.search]\n` }, ["openai"]);
    expect(g?.message).toContain("contains `.`");
  });

  it("checks the tool's own name, not the mcp__ prefix a catalog may add", () => {
    const catalog = catalogOf({ docs: ["mcp__docs__search"] });
    expect(findingsFor({ yaml: "required_tools: [mcp__docs__search]\n", catalog }, ["openai", "gemini"])).toEqual([]);
  });

  it("places a substitute's finding at its alternatives entry", () => {
    const catalog = catalogOf({ code: ["9parse"] });
    const yaml = "required_tools: [ast_parse]\nalternatives:\n  ast_parse: [9parse]\n";
    const [f] = findingsFor({ yaml, catalog }, ["gemini"]);
    expect(f).toMatchObject({ code: "target-name-invalid", line: 5, column: 15 });
  });
});

describe("Claude Code", () => {
  const catalog = catalogOf({ big: ["a", "b", "c"] });
  const cost: Record<string, number> = { a: 10_000, b: 10_000, c: 1 };
  const tokensOf = (t: CatalogTool) => cost[t.name] ?? 0;

  it("tool search: nothing at 20,000 tokens, a notice at 20,001", () => {
    expect(findingsFor({ yaml: "optional_tools: [a, b]\n", catalog, tokensOf }, ["claude-code"])).toEqual([]);
    const f = findingsFor({ yaml: "optional_tools: [a, b, c]\n", catalog, tokensOf }, ["claude-code"]);
    expect(f.map((x) => [x.code, x.severity, x.line])).toEqual([["target-context-share", "notice", 3]]);
    expect(f[0]?.message).toContain("20001 tokens, past 20000");
    expect(f[0]?.next_steps[0]).toContain("limits.max_tokens: 20000");
  });

  it("no token estimate, no context finding", () => {
    expect(findingsFor({ yaml: "optional_tools: [a, b, c]\n", catalog }, ["claude-code"])).toEqual([]);
  });

  it("an optional pattern that is not a bare server is expanded to exact names, and says so", () => {
    const cat = catalogOf({ fs: ["read_file"], github: ["github_get_issue", "github_get_pr", "github_merge"] });
    const f = findingsFor({ yaml: "optional_tools:\n  - mcp__fs\n  - github_get_*\n", catalog: cat }, ["claude-code"]);
    expect(f.map((x) => [x.code, x.severity, x.line, x.column])).toEqual([["target-pattern-expanded", "notice", 5, 5]]);
    expect(f[0]?.message).toContain("`github_get_issue`, `github_get_pr`");
  });

  it("`mcp__<server>__*` that gives the whole server is a bare server: no notice", () => {
    const cat = catalogOf({ github: ["github_get_issue", "github_get_pr"] });
    expect(findingsFor({ yaml: "optional_tools: [mcp__github__*]\n", catalog: cat }, ["claude-code"])).toEqual([]);
  });
});

describe("checkRepository with targets", () => {
  const source = (file: string, text: string) => manifestSourceFromBytes(file, new TextEncoder().encode(text));
  const manifests = [source("manifests/wide.yaml", `apprentice_type: wide\ndescription: d\n${optional(toolList(81))}`), source("manifests/narrow.yaml", "apprentice_type: narrow\ndescription: d\nrequired_tools: [read_file]\n")];
  const config = (targets: TargetId[]) => ConfigSchema.parse({ targets, limits: { max_tools: 200, safety_margin: 0 } });

  it("adds target findings, plans once and hands the plan back", () => {
    const input = { config: config(["cursor"]), manifests, findings: [] };
    const result = checkRepository(input);
    expect(result.findings.map((f) => [f.file, f.code])).toEqual([["manifests/wide.yaml", "target-tool-count"]]);
    expect(result.plan).toBeDefined();
    expect(planRepository(input, result)).toBe(result.plan);
  });

  it("a target error does not make the plan invalid, and no targets means no plan work", () => {
    const input = { config: config(["cursor"]), manifests, findings: [] };
    const result = checkRepository(input);
    expect(result.plan?.apprentices.map((a) => a.status)).toEqual(["ok", "ok"]);
    const ranked = planRepository(input, result, (c) => [...c]);
    expect(ranked.apprentices.map((a) => a.status)).toEqual(["ok", "ok"]);
    const none = checkRepository({ ...input, config: config([]) });
    expect(none.plan).toBeUndefined();
    expect(none.findings).toEqual([]);
  });
});
