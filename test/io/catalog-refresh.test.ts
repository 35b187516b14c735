import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { catalogRefreshCommand } from "../../src/cli/catalog-command.js";
import { definitionFingerprint, TOKEN_ESTIMATE_META, toolDefinitionText } from "../../src/core/catalog.js";
import { refreshCatalog } from "../../src/io/catalog-refresh.js";
import { firstJsonErrorOffset, loadMcpConfig, McpConfigError, parseMcpConfig } from "../../src/io/mcp-config.js";
import { loadTokenCounter } from "../../src/io/tokenizer.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const echoServerPath = fileURLToPath(new URL("../fixtures/mcp/echo-server.ts", import.meta.url));
// cwd = repo root so that `--import tsx` resolves from the project's node_modules.
const echoServer = { command: process.execPath, args: ["--import", "tsx", echoServerPath], cwd: repoRoot };
const deepSchemaServer = { command: process.execPath, args: ["--import", "tsx", fileURLToPath(new URL("../fixtures/mcp/deep-schema-server.ts", import.meta.url))], cwd: repoRoot };
const exitsAtOnce = { command: process.execPath, args: ["-e", "console.error('cannot find API token'); process.exit(1)"] };

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "apprentice-catalog-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(servers: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, ".mcp.json");
  await writeFile(file, JSON.stringify({ mcpServers: servers }, null, 2));
  return file;
}

function captureIo() {
  const out = { stdout: "", stderr: "" };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s) } };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("refreshCatalog", () => {
  it("writes the tools/list result of a real stdio server, following every page", async () => {
    const configPath = await writeConfig({ echo: echoServer });
    const outDir = path.join(dir, "catalog");
    const log: string[] = [];

    const results = await refreshCatalog({ configPath, outDir, log: (m) => log.push(m) });

    const file = path.join(outDir, "echo.json");
    expect(results).toEqual([{ server: "echo", ok: true, status: "written", tools: 5, file }]);
    // The fixture serves two tools per page: three pages, each asked for once.
    expect(log.filter((line) => line.startsWith("echo: tools/list "))).toEqual(["echo: tools/list first", "echo: tools/list page-1", "echo: tools/list page-2"]);

    const text = await readFile(file, "utf8");
    const catalog = JSON.parse(text) as { tools: Array<Record<string, unknown>> };
    expect(text).toBe(`${JSON.stringify(catalog, null, 2)}\n`);
    expect(Object.keys(catalog)).toEqual(["tools"]);
    expect(catalog.tools.map((t) => t["name"])).toEqual(["echo", "add", "reverse", "repeat", "shout"]);
    const count = await loadTokenCounter();
    for (const tool of catalog.tools) {
      expect(Object.keys(tool).every((k) => ["name", "title", "description", "inputSchema", "annotations", "outputSchema", "_meta"].includes(k))).toBe(true);
      // Each tool carries its token estimate, counted from exactly its definition.
      const definition = { name: tool["name"] as string, description: tool["description"] as string | undefined, inputSchema: tool["inputSchema"] };
      expect(tool["_meta"]).toEqual({ [TOKEN_ESTIMATE_META]: { encoding: "cl100k_base", count: count(toolDefinitionText(definition)), of: definitionFingerprint(definition) } });
    }
    expect(catalog.tools[0]).toMatchObject({
      name: "echo",
      description: "Returns the text it is given.",
      inputSchema: {
        type: "object",
        properties: { text: { type: "string", description: "Text to send back" } },
        required: ["text"],
        additionalProperties: false,
        $schema: "https://json-schema.org/draft/2020-12/schema",
      },
    });
    expect(catalog.tools[1]).toMatchObject({
      name: "add",
      title: "Add two numbers",
      annotations: { readOnlyHint: true, idempotentHint: true },
      outputSchema: { type: "object", properties: { sum: { type: "number" } } },
    });
    expect(await readdir(outDir)).toEqual(["echo.json"]);
  });

  it("reports a server that exits at once, an unsafe name and a remote server, and still writes the good one", async () => {
    const configPath = await writeConfig({
      broken: exitsAtOnce,
      echo: echoServer,
      "../escape": echoServer,
      missing: { command: "apprentice-tools-no-such-command" },
      remote: { type: "http", url: "https://mcp.example.com/mcp" },
    });
    const outDir = path.join(dir, "catalog");

    const results = await refreshCatalog({ configPath, outDir });

    expect(results.map((r) => [r.server, r.status])).toEqual([
      ["broken", "failed"],
      ["echo", "written"],
      ["../escape", "failed"],
      ["missing", "failed"],
      ["remote", "skipped"],
    ]);
    const error = (name: string) => results.flatMap((r) => (r.server === name && !r.ok ? [r.error] : []))[0];
    expect(error("broken")).toBe("failed to start: the server exited before completing the MCP handshake (stderr: cannot find API token)");
    expect(error("../escape")).toMatch(/^server name "\.\.\/escape" cannot be used as a catalog file name: it contains a path separator; rename it in /);
    expect(error("missing")).toMatch(/^failed to start: command "apprentice-tools-no-such-command" was not found/);
    expect(await readdir(outDir)).toEqual(["echo.json"]);
    expect(await readdir(dir)).toEqual([".mcp.json", "catalog"]);
  });

  it("times out a server that never answers and leaves no process running", async () => {
    const pidFile = path.join(dir, "pid");
    // Ignores SIGTERM too, so only SIGKILL stops it.
    const script = `require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);`;
    // Only the silent server: a short time limit would also catch a real server starting slowly on a loaded machine.
    const configPath = await writeConfig({ silent: { command: process.execPath, args: ["-e", script] } });

    const results = await refreshCatalog({ configPath, outDir: path.join(dir, "catalog"), timeoutMs: 1_500 });

    expect(results).toEqual([{ server: "silent", ok: false, status: "failed", error: "timed out after 1500 ms waiting for the server to start and answer initialize" }]);
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(false);
  });
});

describe("catalogRefreshCommand", () => {
  it("prints one line per server and exits 1 when some failed", async () => {
    const config = await writeConfig({ echo: echoServer, broken: exitsAtOnce, remote: { url: "https://mcp.example.com/sse", type: "sse" } });
    const out = path.join(dir, "catalog");
    const { out: printed, io } = captureIo();

    const code = await catalogRefreshCommand({ config, out }, io);

    expect(code).toBe(1);
    expect(printed.stdout.split("\n")).toEqual([
      `✓ echo: 5 tools → ${path.join(out, "echo.json")}`,
      "✗ broken: failed to start: the server exited before completing the MCP handshake (stderr: cannot find API token) (skipped)",
      "- remote: sse servers are not supported yet (only stdio); https://mcp.example.com/sse was not contacted (skipped)",
      "",
    ]);
    expect(printed.stderr).toBe("1 of 3 servers failed; their catalog files were left as they were.\n");
  });

  // Found by fuzzing: the tool overflowed the stack as it was counted, and the whole server
  // failed with "could not write …: RangeError: Maximum call stack size exceeded".
  it("leaves out a tool whose schema nests thousands of levels deep, says so, and writes the rest", async () => {
    const config = await writeConfig({ deep: deepSchemaServer });
    const out = path.join(dir, "catalog");
    const { out: printed, io } = captureIo();

    expect(await catalogRefreshCommand({ config, out }, io)).toBe(0);

    expect(printed.stdout).toBe(`✓ deep: 1 tool → ${path.join(out, "deep.json")} (left out \`nested\`, whose inputSchema nests more than 256 levels deep: flatten it in the server, or ask its authors to, then refresh again)\n`);
    const written = JSON.parse(await readFile(path.join(out, "deep.json"), "utf8")) as { tools: { name: string; _meta?: Record<string, unknown> }[] };
    expect(written.tools.map((t) => t.name)).toEqual(["flat"]);
    expect(written.tools[0]?._meta?.[TOKEN_ESTIMATE_META]).toBeDefined();
  });

  it("exits 0 when every server was written", async () => {
    const config = await writeConfig({ echo: echoServer });
    const { out: printed, io } = captureIo();
    expect(await catalogRefreshCommand({ config, out: path.join(dir, "c") }, io)).toBe(0);
    expect(printed.stderr).toBe("");
  });
});

describe("malformed MCP client configurations", () => {
  const cases: Array<{ title: string; text: string; line?: number; column?: number; message: RegExp }> = [
    {
      title: "a trailing comma in an object",
      text: '{\n  "mcpServers": {\n    "a": {"command": "x",}\n  }\n}\n',
      line: 3,
      column: 26,
      message: /is not valid JSON: Expected double-quoted property name$/,
    },
    {
      title: "a trailing comma in an array (no position from Node 20)",
      text: '{"mcpServers": {\n  "a": {"command": "x", "args": ["-y",]}\n}}',
      line: 2,
      column: 39,
      message: /is not valid JSON: Unexpected token '\]'$/,
    },
    { title: "an empty file", text: "", line: 1, column: 1, message: /is not valid JSON: Unexpected end of JSON input$/ },
    { title: "no mcpServers", text: '{"servers": {}}', message: /has no "mcpServers" object: mcpServers: / },
    { title: "args that are not a list", text: '{"mcpServers": {"a": {"command": "x", "args": "-y"}}}', message: /server "a" in .* is not valid: mcpServers\.a\.args: / },
    { title: "a server with neither command nor url", text: '{"mcpServers": {"a": {"args": []}}}', message: /it has neither "command" \(stdio\) nor "url"/ },
  ];

  it.each(cases)("$title gives a clear error with its place", async ({ text, line, column, message }) => {
    const configPath = path.join(dir, ".mcp.json");
    await writeFile(configPath, text);

    const loaded = await loadMcpConfig(configPath);

    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.finding).toMatchObject({ file: configPath, severity: "error" });
    expect([loaded.finding.line, loaded.finding.column]).toEqual([line, column]);
    expect(loaded.finding.message).toMatch(message);
    expect(loaded.finding.message.startsWith(configPath) || loaded.finding.message.includes(` in ${configPath}`)).toBe(true);
    expect(loaded.finding.next_steps.length).toBeGreaterThan(0);
    await expect(refreshCatalog({ configPath, outDir: dir })).rejects.toBeInstanceOf(McpConfigError);

    const { out, io } = captureIo();
    expect(await catalogRefreshCommand({ config: configPath, out: dir }, io)).toBe(2);
    expect(out.stderr.split("\n")[0]).toBe(`${configPath}${line === undefined ? "" : `:${line}:${column}`}: ${loaded.finding.message} [${loaded.finding.code}]`);
  });

  it("names the VS Code format when it sees one", () => {
    const result = parseMcpConfig('{"servers": {"a": {"command": "x"}}}', "mcp.json");
    expect(!result.ok && result.finding.guidance).toMatch(/VS Code/);
  });

  it("reports a missing file and says what to do", async () => {
    const { out, io } = captureIo();
    expect(await catalogRefreshCommand({ config: path.join(dir, "nope.json"), out: dir }, io)).toBe(2);
    expect(out.stderr).toMatch(/nope\.json does not exist \[mcp-config-unreadable\]\n.*\n {2}→ check the path, or create the file/);
  });
});

describe("parseMcpConfig", () => {
  const file = path.join(path.sep, "repo", ".mcp.json");
  const parse = (servers: unknown, env: NodeJS.ProcessEnv = {}) => {
    const result = parseMcpConfig(JSON.stringify({ mcpServers: servers }), file, env);
    if (!result.ok) throw new Error(result.finding.message);
    return result.config.servers;
  };

  it("expands ${VAR} and ${VAR:-default} and runs servers in the project folder", () => {
    expect(parse({ gh: { type: "stdio", command: "${BIN:-npx}", args: ["--token=${TOKEN}"], env: { T: "${TOKEN}" } } }, { TOKEN: "t0k" })).toEqual([
      { kind: "stdio", name: "gh", command: "npx", args: ["--token=t0k"], env: { T: "t0k" }, cwd: path.join(path.sep, "repo") },
    ]);
  });

  it("reads a server named __proto__ like any other (zod leaves that key out of records)", () => {
    expect(parse({ ["__proto__"]: { command: "x" }, constructor: { url: "https://mcp.example.com/mcp" } }).map((s) => [s.name, s.kind])).toEqual([
      ["__proto__", "stdio"],
      ["constructor", "remote"],
    ]);
  });

  it("resolves a relative cwd from the config file, and from the project above .cursor/", () => {
    expect(parse({ a: { command: "x", cwd: "tools" } })[0]).toMatchObject({ cwd: path.join(path.sep, "repo", "tools") });
    const cursor = parseMcpConfig('{"mcpServers": {"a": {"command": "x"}}}', path.join(path.sep, "repo", ".cursor", "mcp.json"));
    expect(cursor.ok && cursor.config.servers[0]).toMatchObject({ cwd: path.join(path.sep, "repo") });
  });

  it.each([
    ["an unset variable", { a: { command: "x", env: { T: "${NOT_SET}" } } }, /uses \$\{NOT_SET\}, which is not set/],
    // These expanded to Object.prototype's members ("function Object() { [native code] }").
    ["variables named like Object.prototype's members", { a: { command: "x", args: ["${constructor}", "${__proto__}"] } }, /uses \$\{constructor\}, \$\{__proto__\}, which is not set/],
    ["a dotted name", { ".hidden": { command: "x" } }, /starts with a dot/],
    ["a backslash", { "a\\b": { command: "x" } }, /path separator/],
    ["two dots", { "a..b": { command: "x" } }, /contains "\.\."/],
    ["a name differing only in case", { Git: { command: "x" }, git: { command: "x" } }, /differs from "Git" only in case/],
  ])("marks a server with %s as unusable, keeping the rest", (_title, servers, problem) => {
    const entries = parse(servers);
    const invalid = entries.filter((e) => e.kind === "invalid");
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.kind === "invalid" && invalid[0].problem).toMatch(problem);
  });
});

describe("firstJsonErrorOffset", () => {
  it.each(['{"a":1,}', '{"a": 1 "b": 2}', "{x}", '{"a": 1}}', '{"a":"x\n"}', '{"a": [1, 2,]}', "[tru]", '{"a": -}', '"\\q"'])(
    "finds where %j goes wrong, as JSON.parse does when it says",
    (text) => {
      const offset = firstJsonErrorOffset(text);
      expect(offset).toBeGreaterThanOrEqual(0);
      const v8 = /at position (\d+)/.exec((() => {
        try {
          JSON.parse(text);
          return "";
        } catch (error) {
          return String(error);
        }
      })());
      if (v8) expect(offset).toBe(Number(v8[1]));
    },
  );

  it.each(['{"a": [1, 2.5e3, true, false, null, "\\u00e9"]}', " [] ", '"x"'])("accepts valid JSON %j", (text) => {
    expect(firstJsonErrorOffset(text)).toBe(-1);
  });
});
