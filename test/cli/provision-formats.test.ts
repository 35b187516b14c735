import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { runCli } from "../../src/cli/main.js";

let dir: string;

const MANIFEST = `apprentice_type: reviewer
description: "Reviews pull requests"
required_tools: [read_file, ast_parse]
optional_tools: [grep, github_get_*]
forbidden_tools: [write_file, mcp__shell]
alternatives:
  ast_parse: [treesitter_parse]
`;

const tool = (name: string, description: string) => ({ name, description, inputSchema: { type: "object", properties: {} } });

const FILES: Record<string, string> = {
  "manifests/reviewer.yaml": MANIFEST,
  "manifests/catalog/filesystem.json": JSON.stringify({ tools: [tool("read_file", "Read a file"), tool("write_file", "Write a file"), tool("grep", "Search file contents")] }),
  "manifests/catalog/code.json": JSON.stringify(["treesitter_parse", "treesitter_query"]),
  "manifests/catalog/github.json": JSON.stringify(["github_get_issue", "github_get_pull_request", "github_merge_pull_request"]),
  "manifests/catalog/shell.json": JSON.stringify(["bash"]),
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "apprentice-formats-"));
  for (const [rel, text] of Object.entries(FILES)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[], cwd = dir) {
  const out = { stdout: "", stderr: "" };
  const code = await runCli(argv, { stdout: (s) => void (out.stdout += s), stderr: (s) => void (out.stderr += s), cwd, env: {} });
  return { code, ...out };
}

describe("provision --format", () => {
  it("claude-code: settings.json permissions, exact names and bare servers only", async () => {
    const r = await run(["provision", "reviewer", "--format", "claude-code"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      permissions: {
        allow: ["mcp__filesystem__read_file", "mcp__code__treesitter_parse", "mcp__filesystem__grep", "mcp__github__github_get_issue", "mcp__github__github_get_pull_request"],
        deny: ["mcp__filesystem__write_file", "mcp__shell"],
      },
    });
    expect(r.stderr).toContain("note: `treesitter_parse` is exported in place of `ast_parse`, which is unavailable.");
  });

  it("vscode: a custom agent file whose front matter lists server/tool", async () => {
    const r = await run(["provision", "reviewer", "--format", "vscode"]);
    expect(r.code).toBe(0);
    const front = /^---\n([\s\S]*?)---\n/.exec(r.stdout)?.[1];
    expect(parseYaml(front ?? "")).toEqual({
      name: "reviewer",
      description: "Reviews pull requests",
      tools: ["filesystem/read_file", "code/treesitter_parse", "filesystem/grep", "github/github_get_issue", "github/github_get_pull_request"],
    });
    expect(r.stdout).toContain("code/treesitter_parse # stands in for ast_parse");
  });

  it("gemini: includeTools/excludeTools per server", async () => {
    const r = await run(["provision", "reviewer", "--format", "gemini"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      mcpServers: {
        filesystem: { includeTools: ["read_file", "grep"], excludeTools: ["write_file"] },
        code: { includeTools: ["treesitter_parse"] },
        github: { includeTools: ["github_get_issue", "github_get_pull_request"] },
        shell: { excludeTools: ["bash"] },
      },
    });
  });

  it("openai: one Responses API mcp tool per server", async () => {
    const r = await run(["provision", "reviewer", "--format", "openai"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      tools: [
        { type: "mcp", server_label: "filesystem", allowed_tools: ["read_file", "grep"] },
        { type: "mcp", server_label: "code", allowed_tools: ["treesitter_parse"] },
        { type: "mcp", server_label: "github", allowed_tools: ["github_get_issue", "github_get_pull_request"] },
      ],
    });
    expect(r.stderr).toContain("server_url");
  });

  it("json and names are unchanged", async () => {
    const names = await run(["provision", "reviewer", "--format", "names"]);
    expect(names.stdout).toBe("read_file\ntreesitter_parse\ngrep\ngithub_get_issue\ngithub_get_pull_request\n");
    const json = await run(["provision", "reviewer"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ apprentice_type: "reviewer", substitutions: [{ tool: "ast_parse", with: "treesitter_parse" }] });
  });

  it("an unknown format is a usage error that lists the formats", async () => {
    const r = await run(["provision", "reviewer", "--format", "cursor"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("json, names, claude-code, vscode, gemini, openai");
  });
});

describe("check with targets", () => {
  it("reports a target rule at the manifest line, and does not make the plan invalid", async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), "apprentice-targets-"));
    try {
      const long = `get_${"x".repeat(50)}`;
      await mkdir(path.join(repo, "manifests/catalog"), { recursive: true });
      await writeFile(path.join(repo, "apprentice-tools.yml"), "targets: [cursor, claude-code]\n");
      await writeFile(path.join(repo, "manifests/probe.yaml"), `apprentice_type: probe\ndescription: d\nrequired_tools:\n  - ${long}\n`);
      await writeFile(path.join(repo, "manifests/catalog/a-rather-long-server.json"), JSON.stringify([long]));
      const r = await run(["check", "--format", "json"], repo);
      expect(r.code).toBe(1);
      const { findings } = JSON.parse(r.stdout) as { findings: { code: string; line: number; column: number; file: string }[] };
      expect(findings.map((f) => [f.file, f.code, f.line, f.column])).toEqual([["manifests/probe.yaml", "target-name-too-long", 4, 5]]);
      const p = await run(["provision", "probe", "--format", "claude-code"], repo);
      expect(p.code).toBe(0);
      expect(JSON.parse(p.stdout)).toEqual({ permissions: { allow: ["mcp__a-rather-long-server"], deny: [] } });
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
