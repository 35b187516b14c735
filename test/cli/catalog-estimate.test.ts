import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { buildCatalog, definitionFingerprint, storedEstimateOf, TOKEN_ESTIMATE_META, toolDefinitionText } from "../../src/core/catalog.js";
import { loadTokenCounter } from "../../src/io/tokenizer.js";

// `catalog estimate` stores token estimates in the catalog; plans use them while they
// match the definition and count again once a tool is edited.

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const TOOLS = [
  { name: "read_file", description: "Read a file from the workspace and return its text.", inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } },
  { name: "grep", description: "Search files for a regular expression.", inputSchema: { type: "object", properties: { pattern: { type: "string" } } }, _meta: { "example.com/other": 1 } },
];

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-estimate-"));
  temps.push(dir);
  mkdirSync(join(dir, "manifests/catalog"), { recursive: true });
  writeFileSync(join(dir, "manifests/reviewer.yaml"), "apprentice_type: reviewer\ndescription: Reviews\nrequired_tools: [read_file]\noptional_tools: [grep]\n");
  writeFileSync(join(dir, "manifests/catalog/fs.json"), JSON.stringify({ tools: TOOLS }));
  writeFileSync(join(dir, "manifests/catalog/names.json"), JSON.stringify(["list_dir"]));
  writeFileSync(join(dir, "manifests/catalog/shell.yaml"), "- run_command\n");
  return dir;
}

async function cli(cwd: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: {} });
  return { code, stdout, stderr };
}

const tokensOf = (plan: string) => (JSON.parse(plan) as { apprentices: { tokens: number }[] }).apprentices[0]?.tokens;

describe("catalog estimate", () => {
  it("stores each tool's estimate, keeps other _meta keys, skips what it cannot count, and is idempotent", async () => {
    const dir = repo();
    const before = await cli(dir, "plan", "--format", "json");
    const r = await cli(dir, "catalog", "estimate");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      "✓ manifests/catalog/fs.json: 2 tools estimated",
      "- manifests/catalog/names.json: a list of names has no tool definitions to count (skipped)",
      "- manifests/catalog/shell.yaml: a YAML catalog is left as written (estimates are stored in tools/list JSON files) (skipped)",
    ]);
    const count = await loadTokenCounter();
    const written = JSON.parse(readFileSync(join(dir, "manifests/catalog/fs.json"), "utf8")) as { tools: (typeof TOOLS)[number][] };
    written.tools.forEach((tool, i) => {
      const original = TOOLS[i] as (typeof TOOLS)[number];
      expect(tool._meta).toEqual({ ...original._meta, [TOKEN_ESTIMATE_META]: { encoding: "cl100k_base", count: count(toolDefinitionText(original)), of: definitionFingerprint(original) } });
    });
    const text = readFileSync(join(dir, "manifests/catalog/fs.json"), "utf8");
    const again = await cli(dir, "catalog", "estimate");
    expect(again.stdout).toContain("= manifests/catalog/fs.json: 2 tools already estimated");
    expect(readFileSync(join(dir, "manifests/catalog/fs.json"), "utf8")).toBe(text);
    // The plan is the same with the stored estimates as with the tokenizer.
    expect(await cli(dir, "plan", "--format", "json")).toEqual(before);
  });

  it("an estimate whose tool was edited since is not used", async () => {
    const dir = repo();
    await cli(dir, "catalog", "estimate");
    const file = join(dir, "manifests/catalog/fs.json");
    const data = JSON.parse(readFileSync(file, "utf8")) as { tools: { description: string }[] };
    (data.tools[0] as { description: string }).description = "Read a file. ".repeat(40);
    writeFileSync(file, JSON.stringify(data));
    const catalog = buildCatalog([{ server: "fs", file: "fs.json", data }]).catalog;
    expect(storedEstimateOf(catalog.get("read_file") as NonNullable<ReturnType<typeof catalog.get>>)).toBeUndefined();
    expect(storedEstimateOf(catalog.get("grep") as NonNullable<ReturnType<typeof catalog.get>>)).toBeGreaterThan(0);
    // The plan counts the edited definition: the same as with no estimates at all.
    const fresh = repo();
    writeFileSync(join(fresh, "manifests/catalog/fs.json"), JSON.stringify({ tools: data.tools.map((t) => ({ ...t, _meta: undefined })) }));
    expect(tokensOf((await cli(dir, "plan", "--format", "json")).stdout)).toBe(tokensOf((await cli(fresh, "plan", "--format", "json")).stdout));
  });

  it("counts a special token's spelling in a description as the text it is (plan, provision, estimate)", async () => {
    const dir = repo();
    const special = { name: "generate", description: "Writes until <|endoftext|> or <|im_end|> comes.", inputSchema: { type: "object" } };
    writeFileSync(join(dir, "manifests/catalog/llm.json"), JSON.stringify({ tools: [special] }));
    writeFileSync(join(dir, "manifests/writer.yaml"), "apprentice_type: writer\ndescription: Writes\nrequired_tools: [generate]\n");
    const count = await loadTokenCounter();
    const asText = count(toolDefinitionText(special));
    expect(asText).toBeGreaterThan(count(toolDefinitionText({ ...special, description: "Writes until or comes." })));
    const plan = await cli(dir, "plan", "--format", "json", "--no-cache");
    expect(plan.code).toBe(0);
    expect((JSON.parse(plan.stdout) as { apprentices: { apprentice_type: string; tokens: number }[] }).apprentices.find((a) => a.apprentice_type === "writer")?.tokens).toBe(asText);
    expect((await cli(dir, "provision", "writer", "--format", "names")).stdout).toBe("generate\n");
    expect((await cli(dir, "catalog", "estimate")).code).toBe(0);
  });

  it("a tool whose schema nests thousands of levels deep is reported and left out, and the rest still plans", async () => {
    const dir = repo();
    const deep = `{"tools":[{"name":"generate","inputSchema":${"[".repeat(100_000)}${"]".repeat(100_000)}},{"name":"summarize","annotations":${'{"a":'.repeat(300)}1${"}".repeat(300)}},{"name":"shallow","inputSchema":${"[".repeat(200)}${"]".repeat(200)}}]}`;
    writeFileSync(join(dir, "manifests/catalog/llm.json"), deep);
    writeFileSync(join(dir, "manifests/writer.yaml"), "apprentice_type: writer\ndescription: Writes\nrequired_tools: [read_file]\noptional_tools: [generate, summarize, shallow]\n");
    const check = await cli(dir, "check", "--format", "json");
    const findings = (JSON.parse(check.stdout) as { findings: { file: string; code: string; message: string }[] }).findings.filter((f) => f.code === "catalog-invalid");
    expect(findings.map((f) => f.message)).toEqual([
      "Catalog file manifests/catalog/llm.json lists `generate`, whose inputSchema nests more than 256 levels deep.",
      "Catalog file manifests/catalog/llm.json lists `summarize`, whose annotations nest more than 256 levels deep.",
    ]);
    const plan = await cli(dir, "plan", "--format", "json", "--no-cache");
    const writer = (JSON.parse(plan.stdout) as { apprentices: { apprentice_type: string; tools: string[]; excluded: { tool: string; reason: string }[] }[] }).apprentices.find((a) => a.apprentice_type === "writer");
    expect(writer?.tools).toEqual(["read_file", "shallow"]);
    expect(writer?.excluded).toEqual([
      { tool: "generate", reason: "unavailable" },
      { tool: "summarize", reason: "unavailable" },
    ]);
  });

  // Found by fuzzing: such a file overflowed the stack as it was counted or written back, and
  // the command said "cannot read the catalog folder: Maximum call stack size exceeded".
  const deep = (depth: number) => `${'{"items":'.repeat(depth)}{}${"}".repeat(depth)}`;
  it.each([
    ["inputSchema", `{"tools":[{"name":"flat"},{"name":"generate","inputSchema":${deep(10_000)}}]}`, "it lists `generate`, whose inputSchema nests more than 256 levels deep (check reports that tool and plan leaves it out): the file is left as written, none of its tools estimated; flatten or remove that tool, then run estimate again"],
    ["annotations", `{"tools":[{"name":"summarize","annotations":${deep(300)}}]}`, "it lists `summarize`, whose annotations nest more than 256 levels deep (check reports that tool and plan leaves it out): the file is left as written, none of its tools estimated; flatten or remove that tool, then run estimate again"],
    ["another field", `{"tools":[{"name":"report","outputSchema":${deep(10_000)}}]}`, "it lists `report`, whose `outputSchema` nests more than 256 levels deep: the file is left as written, none of its tools estimated; flatten or remove that tool, then run estimate again"],
    ["an entry that is no tool", `{"tools":[{"name":"flat"},[${deep(10_000)}]]}`, "an entry of `tools` nests more than 256 levels deep: the file is left as written, none of its tools estimated; correct that entry, then run estimate again"],
    ["a key beside the tools", `{"tools":[{"name":"flat"}],"x-generator":${deep(10_000)}}`, "its `x-generator` nests more than 256 levels deep: the file is left as written, none of its tools estimated; flatten or remove it, then run estimate again"],
  ])("a file nested thousands of levels deep (%s) is reported and left as written; the other files are estimated", async (_, text, reason) => {
    const dir = repo();
    writeFileSync(join(dir, "manifests/catalog/llm.json"), text);
    const r = await cli(dir, "catalog", "estimate");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      "✓ manifests/catalog/fs.json: 2 tools estimated",
      `- manifests/catalog/llm.json: ${reason} (skipped)`,
      "- manifests/catalog/names.json: a list of names has no tool definitions to count (skipped)",
      "- manifests/catalog/shell.yaml: a YAML catalog is left as written (estimates are stored in tools/list JSON files) (skipped)",
    ]);
    expect(readFileSync(join(dir, "manifests/catalog/llm.json"), "utf8")).toBe(text);
  });

  it("says clearly when the folder does not exist", async () => {
    const dir = repo();
    const r = await cli(dir, "catalog", "estimate", "--dir", "nowhere");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: cannot read the catalog folder nowhere: it does not exist.\nhint: give the folder with --dir, or set `catalog:` in apprentice-tools.yml.\n");
  });
});
