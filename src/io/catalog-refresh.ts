import { stat } from "node:fs/promises";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { nestsTooDeep, toolDefinitionText } from "../core/catalog.js";
import { writeFileAtomic } from "./atomic-write.js";
import { estimateOf, withEstimate } from "./catalog-estimate.js";
import { loadMcpConfig, McpConfigError, type McpClientConfig, type McpServerEntry, type StdioServerEntry } from "./mcp-config.js";
import { loadTokenCounter } from "./tokenizer.js";

/** One tool as a catalog file stores it: the fields of an MCP `tools/list` entry (the token estimate goes in `_meta`). */
export type CatalogTool = Pick<Tool, "name" | "title" | "description" | "inputSchema" | "annotations" | "outputSchema" | "_meta">;

/** What happened to one server of the configuration, in file order. */
export type ServerRefreshResult =
  | { server: string; ok: true; status: "written"; tools: number; file: string; leftOut?: TooDeepTool[] }
  | { server: string; ok: true; status: "skipped"; reason: string }
  | { server: string; ok: false; status: "failed"; error: string };

/** A tool the server lists with a field nested more than MAX_NESTING levels deep: not written (the catalog would leave it out). */
export interface TooDeepTool {
  name: string;
  field: string;
}

export interface RefreshServersOptions {
  /** Catalog folder; `<outDir>/<server>.json` is written for each server that answers. */
  outDir: string;
  /** Budget per server, from start to the last page of tools/list. */
  timeoutMs?: number;
  /** Servers running at once. */
  concurrency?: number;
  /** Progress and the servers' own stderr lines, prefixed with the server name. */
  log?: (message: string) => void;
}

export interface RefreshCatalogOptions extends RefreshServersOptions {
  configPath: string;
}

export const DEFAULT_REFRESH_TIMEOUT_MS = 15_000;
const DEFAULT_CONCURRENCY = 2;
// A server that keeps handing out new cursors would otherwise be listed forever.
const MAX_PAGES = 1_000;

/**
 * Starts every stdio server of an MCP client configuration, lists its tools (all pages) and writes
 * `<outDir>/<server>.json` as a `tools/list` result. A server that fails is reported and skipped.
 * @throws McpConfigError when the configuration is missing or invalid.
 */
export async function refreshCatalog(options: RefreshCatalogOptions): Promise<ServerRefreshResult[]> {
  const loaded = await loadMcpConfig(options.configPath);
  if (!loaded.ok) throw new McpConfigError(loaded.finding);
  return refreshServers(loaded.config, options);
}

/** {@link refreshCatalog} for a configuration already loaded. */
export async function refreshServers(config: McpClientConfig, options: RefreshServersOptions): Promise<ServerRefreshResult[]> {
  const limit = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  return mapWithLimit(config.servers, limit, (entry) => refreshEntry(entry, options));
}

async function refreshEntry(entry: McpServerEntry, options: RefreshServersOptions): Promise<ServerRefreshResult> {
  const server = entry.name;
  switch (entry.kind) {
    case "invalid":
      return { server, ok: false, status: "failed", error: entry.problem };
    case "remote":
      return { server, ok: true, status: "skipped", reason: `${entry.transport} servers are not supported yet (only stdio); ${entry.url} was not contacted` };
    case "stdio":
      break;
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS;
  let tools: CatalogTool[];
  try {
    tools = await listServerTools(entry, timeoutMs, options.log);
  } catch (error) {
    return { server, ok: false, status: "failed", error: error instanceof RefreshFailure ? error.message : `unexpected error: ${String(error)}` };
  }
  const file = path.join(options.outDir, `${server}.json`);
  // A tool nested thousands of levels deep would overflow the stack as it is counted and
  // written (the whole server then failed, "could not write"); the catalog would leave it out.
  const leftOut: TooDeepTool[] = [];
  const kept = tools.filter((tool) => {
    const field = Object.keys(tool).find((key) => nestsTooDeep(tool[key as keyof CatalogTool]));
    if (field !== undefined) leftOut.push({ name: tool.name, field });
    return field === undefined;
  });
  try {
    // Each tool with its token estimate, so that checks need not load the tokenizer.
    const count = await loadTokenCounter();
    const entries = kept.map((tool) => withEstimate(tool as Record<string, unknown>, estimateOf(tool, count, toolDefinitionText(tool))).entry);
    await writeFileAtomic(file, `${JSON.stringify({ tools: entries }, null, 2)}\n`);
  } catch (error) {
    return { server, ok: false, status: "failed", error: `could not write ${file}: ${String(error)}` };
  }
  options.log?.(`${server}: ${kept.length} tools written to ${file}`);
  return { server, ok: true, status: "written", tools: kept.length, file, ...(leftOut.length > 0 && { leftOut }) };
}

/** A failure already worded for the person running the command. */
class RefreshFailure extends Error {}

type Stage = { step: "start" } | { step: "list"; page: number };

async function listServerTools(entry: StdioServerEntry, timeoutMs: number, log: ((message: string) => void) | undefined): Promise<CatalogTool[]> {
  if (!(await isDirectory(entry.cwd))) throw new RefreshFailure(`failed to start: working directory ${entry.cwd} does not exist`);
  log?.(`${entry.name}: starting ${[entry.command, ...entry.args].join(" ")}`);

  const transport = new PidTrackingStdioTransport({ command: entry.command, args: entry.args, env: entry.env, cwd: entry.cwd, stderr: "pipe" });
  const stderr = new StderrTail();
  transport.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8"), (line) => log?.(`${entry.name}: ${line}`)));
  const client = new Client({ name: "apprentice-tools", version: "catalog-refresh" });
  let stage: Stage = { step: "start" };
  let closed = false;
  client.onclose = () => {
    closed = true;
  };

  const session = async (): Promise<CatalogTool[]> => {
    // The SDK's own per-request timeout (default 60 s) must not fire before ours.
    const requestOptions = { timeout: timeoutMs + 1_000 };
    await client.connect(transport, requestOptions);
    const tools: CatalogTool[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1; ; page++) {
      stage = { step: "list", page };
      if (page > MAX_PAGES) throw new RefreshFailure(`gave up after ${MAX_PAGES} pages of tools/list: the server keeps returning a nextCursor`);
      const result = await client.listTools(cursor === undefined ? {} : { cursor }, requestOptions);
      for (const t of result.tools) tools.push(toCatalogTool(t));
      cursor = result.nextCursor || undefined;
      if (cursor === undefined) return tools;
      if (seen.has(cursor)) throw new RefreshFailure(`tools/list returned the cursor "${cursor}" a second time; pagination would never end`);
      seen.add(cursor);
    }
  };

  try {
    return await withDeadline(session(), timeoutMs, () => new RefreshFailure(`timed out after ${timeoutMs} ms ${waitingFor(stage)}${stderr.suffix()}`));
  } catch (error) {
    if (error instanceof RefreshFailure) throw error;
    throw new RefreshFailure(`${describeError(error, stage, closed, entry)}${stderr.suffix()}`);
  } finally {
    client.onclose = undefined;
    await client.close().catch(() => undefined);
    await ensureStopped(transport.startedPid);
  }
}

function toCatalogTool(tool: Tool): CatalogTool {
  const { name, title, description, inputSchema, annotations, outputSchema, _meta } = tool;
  return {
    name,
    ...(_meta !== undefined && { _meta }),
    ...(title !== undefined && { title }),
    ...(description !== undefined && { description }),
    inputSchema,
    ...(annotations !== undefined && { annotations }),
    ...(outputSchema !== undefined && { outputSchema }),
  };
}

function waitingFor(stage: Stage): string {
  return stage.step === "start" ? "waiting for the server to start and answer initialize" : `waiting for tools/list (page ${stage.page})`;
}

function describeError(error: unknown, stage: Stage, closed: boolean, entry: StdioServerEntry): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (stage.step === "start" && code === "ENOENT") return `failed to start: command "${entry.command}" was not found; check that it is installed and on PATH`;
  if (stage.step === "start" && code === "EACCES") return `failed to start: command "${entry.command}" is not executable`;
  if (closed) {
    return stage.step === "start"
      ? "failed to start: the server exited before completing the MCP handshake"
      : `the server exited while answering tools/list (page ${stage.page})`;
  }
  const reason = error instanceof McpError || error instanceof Error ? error.message : String(error);
  return stage.step === "start" ? `failed to start: ${reason}` : `tools/list (page ${stage.page}) failed: ${reason}`;
}

/** StdioClientTransport forgets the pid on close; keeping it lets us check the process really ended. */
class PidTrackingStdioTransport extends StdioClientTransport {
  startedPid: number | null = null;

  override async start(): Promise<void> {
    await super.start();
    this.startedPid = this.pid;
  }
}

/** Keeps the last lines a server wrote to stderr, to explain why it failed. */
class StderrTail {
  private lines: string[] = [];
  private partial = "";

  push(text: string, onLine: (line: string) => void): void {
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = parts.pop() ?? "";
    for (const line of parts) {
      if (line.trim() === "") continue;
      onLine(line);
      this.lines.push(line);
      if (this.lines.length > 3) this.lines.shift();
    }
    if (this.partial.length > 2_000) this.partial = this.partial.slice(-2_000);
  }

  suffix(): string {
    const tail = [...this.lines, this.partial].map((l) => l.trim()).filter((l) => l !== "");
    if (tail.length === 0) return "";
    const text = tail.join(" | ");
    return ` (stderr: ${text.length > 500 ? `…${text.slice(-500)}` : text})`;
  }
}

async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The SDK's close() ends stdin, then sends SIGTERM after 2 s and SIGKILL after 4 s, but does not wait
 * for SIGKILL to take effect, and a failed connect() starts that close without awaiting it.
 */
async function ensureStopped(pid: number | null): Promise<void> {
  if (pid === null) return;
  if (await waitForExit(pid, 5_000)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  await waitForExit(pid, 2_000);
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone. EPERM: the pid now belongs to someone else's process, so ours is gone too.
    return false;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function mapWithLimit<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
