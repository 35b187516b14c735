import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function cli(cwd: string, ...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd, env: {} });
  return { code, stdout, stderr };
}

function tempRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-catalog-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

describe("apprentice-tools catalog refresh (the CLI wiring)", () => {
  it("needs its subcommand", async () => {
    const r = await cli(tempRepo({}), "catalog");
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("catalog refresh");
  });

  it("names a missing MCP configuration and exits 2", async () => {
    const r = await cli(tempRepo({}), "catalog", "refresh", "--mcp-config", "nope.json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.json/);
  });

  it("rejects a bad --timeout", async () => {
    const r = await cli(tempRepo({ ".mcp.json": '{"mcpServers":{}}' }), "catalog", "refresh", "--timeout", "soon");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--timeout must be a whole number of at least 1; got "soon"');
  });

  it("reads `catalog:` naming an MCP configuration and writes into the default catalog folder", async () => {
    const server = `process.stdin.resume(); process.exit(1)`;
    const cwd = tempRepo({
      "apprentice-tools.yml": "catalog: servers.json\n",
      "servers.json": JSON.stringify({ mcpServers: { quitter: { command: process.execPath, args: ["-e", server] } } }),
    });
    const r = await cli(cwd, "catalog", "refresh", "--timeout", "5000");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ quitter: .*\(skipped\)/);
    expect(() => readFileSync(join(cwd, "manifests/catalog/quitter.json"))).toThrow();
  });
});
