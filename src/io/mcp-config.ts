import path from "node:path";
import { z } from "zod";
import { makeFinding, type Finding } from "../core/finding.js";
import { describeUnread, isUnread, readFileIfThere } from "./read-file.js";

/** A server started as a child process and spoken to over stdin/stdout. */
export interface StdioServerEntry {
  kind: "stdio";
  name: string;
  command: string;
  args: string[];
  /** Only the variables the config sets; the SDK adds a few safe ones (PATH, HOME, …). */
  env: Record<string, string>;
  /** Absolute working directory. */
  cwd: string;
}

/** A server reached over the network (http, sse, …); not refreshed yet. */
export interface RemoteServerEntry {
  kind: "remote";
  name: string;
  transport: string;
  url: string;
}

/** A server whose entry cannot be used (unsafe name, unset variable); the others still can. */
export interface InvalidServerEntry {
  kind: "invalid";
  name: string;
  problem: string;
}

export type McpServerEntry = StdioServerEntry | RemoteServerEntry | InvalidServerEntry;

/** An MCP client configuration (`.mcp.json` and the other `mcpServers` files), servers in file order. */
export interface McpClientConfig {
  file: string;
  servers: McpServerEntry[];
}

export type McpConfigResult = { ok: true; config: McpClientConfig } | { ok: false; finding: Finding };

/** Thrown by APIs that cannot return a result value; carries the finding to show. */
export class McpConfigError extends Error {
  constructor(readonly finding: Finding) {
    super(`${finding.file}${finding.line !== undefined ? `:${finding.line}:${finding.column ?? 1}` : ""}: ${finding.message}`);
    this.name = "McpConfigError";
  }
}

const StdioServerSchema = z.looseObject({
  type: z.literal("stdio").optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().min(1).optional(),
});

const RemoteServerSchema = z.looseObject({
  type: z.string().min(1).optional(),
  url: z.string().min(1),
});

// Claude Desktop keeps unrelated settings next to mcpServers, hence loose.
const McpConfigFileSchema = z.looseObject({
  mcpServers: z.record(z.string(), z.unknown()),
});

const EXAMPLE = `{"mcpServers": {"filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."]}}}`;

/** Reads and validates an MCP client configuration file. */
export async function loadMcpConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<McpConfigResult> {
  const unreadable = (message: string, next = `check the path, or create the file, e.g. ${EXAMPLE}`) => fail(file, undefined, "mcp-config-unreadable", message, "catalog refresh starts the servers listed in this file to ask them for their tools.", [next]);
  let bytes;
  try {
    // Not read when it is larger than 1 MiB or not a regular file (a named pipe would block the run).
    bytes = readFileIfThere(file);
  } catch (error) {
    return unreadable(`cannot read MCP client configuration ${file}: ${String(error)}`);
  }
  if (bytes === undefined) return unreadable(`MCP client configuration ${file} does not exist`);
  if (isUnread(bytes)) return unreadable(`cannot read MCP client configuration: ${describeUnread(file, bytes)}`, `point --mcp-config (or \`catalog:\` in apprentice-tools.yml) at the JSON file of your MCP client, e.g. ${EXAMPLE}`);
  return parseMcpConfig(new TextDecoder().decode(bytes), file, env);
}

/** Validates the text of an MCP client configuration; `file` names it in messages and anchors relative paths. */
export function parseMcpConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): McpConfigResult {
  const source = text.replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (error) {
    const offset = firstJsonErrorOffset(source);
    return fail(
      file,
      positionOf(source, offset < 0 ? source.length : offset),
      "mcp-config-json",
      `${file} is not valid JSON: ${jsonReason(error)}`,
      "MCP client configuration files are strict JSON: no comments, no trailing commas, double-quoted keys.",
      ["fix the JSON at the place shown (an editor with JSON support underlines it)"],
    );
  }

  const top = McpConfigFileSchema.safeParse(data);
  if (!top.success) {
    const hint = isObject(data) && "servers" in data ? ' It has "servers", the VS Code format; this command reads the "mcpServers" form.' : "";
    return fail(
      file,
      undefined,
      "mcp-config-shape",
      `${file} has no "mcpServers" object: ${describeIssues(top.error)}`,
      `catalog refresh reads the mcpServers form that Claude Code, Cursor and Claude Desktop use.${hint}`,
      [`write the servers under "mcpServers", e.g. ${EXAMPLE}`],
    );
  }

  const projectDir = projectDirOf(file);
  const servers: McpServerEntry[] = [];
  const stems = new Map<string, string>();
  // The servers as parsed, not as zod returns them: zod leaves a `__proto__` key out of a record,
  // and a server of that name would be skipped without a word.
  for (const [name, raw] of Object.entries((data as { mcpServers: Record<string, unknown> }).mcpServers)) {
    const parsed = parseServer(name, raw);
    if ("issues" in parsed) {
      return fail(file, undefined, "mcp-config-server", `server "${name}" in ${file} is not valid: ${parsed.issues}`, parsed.why, [
        `fix mcpServers["${name}"], e.g. {"command": "npx", "args": ["-y", "some-mcp-server"]} or {"type": "http", "url": "https://…"}`,
      ]);
    }
    const nameProblem = fileStemProblem(name) ?? collision(name, stems);
    if (nameProblem !== undefined) {
      servers.push({ kind: "invalid", name, problem: `server name "${name}" cannot be used as a catalog file name: ${nameProblem}; rename it in ${file}` });
    } else if (parsed.kind === "remote") {
      servers.push({ kind: "remote", name, transport: parsed.type ?? "http", url: parsed.url });
    } else {
      servers.push(expandStdio(name, parsed.server, projectDir, env, file));
    }
  }
  return { ok: true, config: { file, servers } };
}

type ParsedServer =
  | { kind: "stdio"; server: z.output<typeof StdioServerSchema> }
  | { kind: "remote"; type: string | undefined; url: string }
  | { issues: string; why: string };

function parseServer(name: string, raw: unknown): ParsedServer {
  const why = 'a stdio server needs "command" (and optionally "args", "env", "cwd"); a remote one needs "url".';
  if (!isObject(raw)) return { issues: "expected an object", why };
  const stdio = raw["type"] === "stdio" || (raw["type"] === undefined && "command" in raw);
  if (stdio) {
    const result = StdioServerSchema.safeParse(raw);
    return result.success ? { kind: "stdio", server: result.data } : { issues: describeIssues(result.error, `mcpServers.${name}`), why };
  }
  if ("url" in raw) {
    const result = RemoteServerSchema.safeParse(raw);
    return result.success ? { kind: "remote", type: result.data.type, url: result.data.url } : { issues: describeIssues(result.error, `mcpServers.${name}`), why };
  }
  return { issues: 'it has neither "command" (stdio) nor "url" (http/sse)', why };
}

function expandStdio(name: string, server: z.output<typeof StdioServerSchema>, projectDir: string, env: NodeJS.ProcessEnv, file: string): McpServerEntry {
  const missing = new Set<string>();
  const expand = (value: string) => expandVariables(value, env, missing);
  const command = expand(server.command);
  const args = server.args.map(expand);
  const serverEnv = Object.fromEntries(Object.entries(server.env).map(([key, value]) => [key, expand(value)]));
  const cwd = path.resolve(projectDir, server.cwd === undefined ? "." : expand(server.cwd));
  if (missing.size > 0) {
    const names = [...missing].map((v) => "${" + v + "}").join(", ");
    return { kind: "invalid", name, problem: `${file} uses ${names}, which is not set; set it in the environment or give a default (\${NAME:-value})` };
  }
  return { kind: "stdio", name, command, args, env: serverEnv, cwd };
}

/** `${VAR}` and `${VAR:-default}`, as Claude Code expands them in `.mcp.json`. */
function expandVariables(value: string, env: NodeJS.ProcessEnv, missing: Set<string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
    // Strings only: `${constructor}` or `${__proto__}` would otherwise find Object.prototype's members.
    const value = env[name];
    const set = typeof value === "string" ? value : undefined;
    // Like the shell: `:-` also replaces an empty value.
    if (set !== undefined && (set !== "" || fallback === undefined)) return set;
    if (fallback !== undefined) return fallback;
    missing.add(name);
    return whole;
  });
}

/** Why `name` cannot be a file stem in the catalog folder, or undefined when it can. */
export function fileStemProblem(name: string): string | undefined {
  if (name.trim() === "") return "it is empty";
  if (/[/\\]/.test(name)) return "it contains a path separator";
  if (name.includes("..")) return 'it contains ".."';
  if (name.startsWith(".")) return "it starts with a dot, so the file would be hidden and not read as a catalog";
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || '<>:"|?*'.includes(c))) return 'it contains a control character or one of <>:"|?*';
  return undefined;
}

function collision(name: string, stems: Map<string, string>): string | undefined {
  const key = name.toLowerCase();
  const other = stems.get(key);
  if (other !== undefined) return `it differs from "${other}" only in case, so the two files would collide on case-insensitive file systems`;
  stems.set(key, name);
  return undefined;
}

/** Servers run in the project folder: where `.mcp.json` sits, or above `.cursor/`. */
function projectDirOf(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return path.basename(dir) === ".cursor" ? path.dirname(dir) : dir;
}

function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => {
      const where = [prefix, ...issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))].join("").replace(/^\./, "");
      return where === "" ? issue.message : `${where}: ${issue.message}`;
    })
    .join("; ");
}

function fail(file: string, pos: { line: number; column: number } | undefined, code: string, message: string, guidance: string, next: string[]): McpConfigResult {
  return { ok: false, finding: makeFinding(file, pos, "error", code, message, guidance, next) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 appends either the offset or a quote of the whole input; the position is reported separately.
  return message.replace(/ in JSON at position \d+.*$/s, "").replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, "");
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/**
 * Offset of the first character that cannot continue a JSON text, or -1 when the text is valid.
 * Node 20's JSON.parse omits the position for some errors (e.g. `[1,]`), so this finds it.
 */
export function firstJsonErrorOffset(text: string): number {
  let i = 0;
  const stop = (): never => {
    throw new JsonStop(i);
  };
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text.charAt(i))) i++;
  };
  const literal = (word: string) => {
    for (const c of word) if (text[i] === c) i++; else stop();
  };
  const digits = () => {
    if (!/[0-9]/.test(text.charAt(i))) stop();
    while (/[0-9]/.test(text.charAt(i))) i++;
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c.charCodeAt(0) < 0x20) stop();
      if (c === '"') return void i++;
      if (c === "\\") {
        i++;
        if (text[i] === "u") {
          i++;
          for (let k = 0; k < 4; k++) if (/[0-9a-fA-F]/.test(text.charAt(i))) i++; else stop();
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text.charAt(i))) i++;
        else stop();
      } else i++;
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      skipSpace();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === "{") {
          skipSpace();
          if (text[i] !== '"') stop();
          string();
          skipSpace();
          literal(":");
        }
        value();
        skipSpace();
        if (text[i] === ",") i++;
        else return literal(close);
      }
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-") i++;
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits();
    }
  };
  try {
    value();
    skipSpace();
    if (i < text.length) stop();
    return -1;
  } catch (error) {
    if (error instanceof JsonStop) return error.offset;
    throw error;
  }
}

class JsonStop {
  constructor(readonly offset: number) {}
}
