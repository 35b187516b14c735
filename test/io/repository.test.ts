import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkRepository, planRepository } from "../../src/core/check-repository.js";
import { workingTree } from "../../src/io/file-source.js";
import { ConfigFileMissing, loadRepository } from "../../src/io/repository.js";
import { places } from "../support/manifest-fixtures.js";

// Reading a repository: where the config is found, which files are manifests, and how
// catalog files that cannot be read are reported.

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-repo-"));
  temps.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const MANIFEST = "apprentice_type: a\ndescription: d\nrequired_tools: [read_file]\noptional_tools: [grep]\n";

describe("loadRepository", () => {
  it("finds the config in .github/, and applies it", async () => {
    const loaded = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST, ".github/apprentice-tools.yml": "limits: { max_tools: 20, safety_margin: 2 }\n" })));
    expect(loaded.configFile).toBe(".github/apprentice-tools.yml");
    expect(loaded.configBroken).toBe(false);
    expect(loaded.config.limits).toEqual({ max_tools: 20, safety_margin: 2, max_tokens: null });
    expect(loaded.manifests.map((m) => m.file)).toEqual(["manifests/a.yaml"]);
  });

  it("an explicit --config that does not exist is its own error", async () => {
    await expect(loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST })), { config: "conf.yml" })).rejects.toBeInstanceOf(ConfigFileMissing);
  });

  it("a config that is not UTF-8 or not YAML breaks the configuration, with the place", async () => {
    const latin1 = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST, "apprentice-tools.yml": Buffer.from([0x6c, 0x69, 0x6d, 0x69, 0x74, 0x73, 0x3a, 0x20, 0xe9]) })));
    expect(latin1.configBroken).toBe(true);
    expect(places(latin1.findings)).toEqual([["file-not-utf8", "error", 1, 9]]);
    const broken = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST, "apprentice-tools.yml": "limits: [\n" })));
    expect(broken.configBroken).toBe(true);
    expect(broken.findings.map((f) => [f.file, f.code])).toEqual([["apprentice-tools.yml", "yaml-syntax"]]);
  });

  it("command-line overrides win over the file", async () => {
    const loaded = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST, "apprentice-tools.yml": "limits: { max_tools: 20 }\n" })), { maxTools: 9, safetyMargin: 1, maxTokens: 500 });
    expect(loaded.config.limits).toEqual({ max_tools: 9, safety_margin: 1, max_tokens: 500 });
  });

  it("the catalog folder's YAML files are not manifests", async () => {
    const loaded = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST, "manifests/catalog/fs.yaml": "- read_file\n- grep\n" })));
    expect(loaded.manifests.map((m) => m.file)).toEqual(["manifests/a.yaml"]);
    expect(loaded.catalog?.names()).toEqual(["read_file", "grep"]);
    expect(loaded.tokensOf).toBeTypeOf("function");
  });

  it("paths given on the command line: a folder, a file", async () => {
    const root = tree({ "manifests/a.yaml": MANIFEST, "other/b.yml": MANIFEST.replace("a\n", "b\n"), "other/deep/c.yaml": MANIFEST.replace("a\n", "c\n") });
    expect((await loadRepository(workingTree(root), { manifests: ["other/"] })).manifests.map((m) => m.file)).toEqual(["other/b.yml", "other/deep/c.yaml"]);
    expect((await loadRepository(workingTree(root), { manifests: ["./manifests/a.yaml"] })).manifests.map((m) => m.file)).toEqual(["manifests/a.yaml"]);
  });

  it("no catalog folder at the default place: availability is unchecked, silently", async () => {
    const loaded = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST })));
    expect(loaded.catalog).toBeUndefined();
    expect(loaded.findings).toEqual([]);
  });

  it("a configured catalog that does not exist is a warning", async () => {
    const loaded = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST, "apprentice-tools.yml": "catalog: tools/\n" })));
    expect(loaded.catalog).toBeUndefined();
    expect(loaded.findings.map((f) => [f.code, f.severity])).toEqual([["catalog-missing", "warning"]]);
    expect(loaded.findings[0]?.message).toContain("tools/");
  });

  it.each<[name: string, files: Record<string, string>, expected: [code: string, file: string, line?: number, column?: number][]]>([
    ["invalid JSON, at its place", { "manifests/catalog/fs.json": '{\n  "tools": [\n    {"name": "a",}\n  ]\n}\n' }, [["catalog-invalid-json", "manifests/catalog/fs.json", 3, 18]]],
    ["neither a list nor tools/list", { "manifests/catalog/fs.json": '{"name": "read_file"}' }, [["catalog-invalid", "manifests/catalog/fs.json"]]],
    ["an invalid tool name", { "manifests/catalog/fs.json": '["read_file", "read file"]' }, [["catalog-invalid", "manifests/catalog/fs.json"]]],
    ["one name on two servers", { "manifests/catalog/a.json": '["read_file"]', "manifests/catalog/b.yaml": "- read_file\n" }, [["catalog-invalid", "manifests/catalog/b.yaml"]]],
    ["YAML that does not parse", { "manifests/catalog/fs.yaml": "- [read_file\n" }, [["yaml-syntax", "manifests/catalog/fs.yaml", 2, 1]]],
  ])("a catalog file with %s is reported, and the rest still read", async (_name, files, expected) => {
    const loaded = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST, "manifests/catalog/zz.json": '["grep"]', ...files })));
    expect(loaded.findings.map((f) => [f.code, f.file, ...(f.line !== undefined ? [f.line, f.column] : [])])).toEqual(expected);
    for (const f of loaded.findings) expect(f.next_steps.length).toBeGreaterThan(0);
    expect(loaded.catalog?.has("grep")).toBe(true);
  });

  it("with a catalog, the check finds unknown tools and the plan counts tokens", async () => {
    const loaded = await loadRepository(workingTree(tree({ "manifests/a.yaml": MANIFEST.replace("[grep]", "[grpe]"), "manifests/catalog/fs.json": JSON.stringify({ tools: [{ name: "read_file", description: "Read a file", inputSchema: { type: "object", properties: { path: { type: "string" } } } }, { name: "grep" }] }) })));
    const check = checkRepository(loaded);
    expect(places(check.findings)).toEqual([["optional-unknown", "warning", 4, 18]]);
    expect(check.findings[0]?.message).toContain("Did you mean `grep`?");
    const [a] = planRepository(loaded, check).apprentices;
    expect(a?.tools).toEqual(["read_file"]);
    expect(a?.excluded).toEqual([{ tool: "grpe", reason: "unavailable" }]);
    expect(a?.tokens).toBeGreaterThan(10);
  });
});
