import { z } from "zod";
import { stableHash } from "./labels.js";
import { compilePattern, firstMatcher, isValidToolName } from "./patterns.js";

/**
 * The catalog: the tools that exist (DESIGN §3). Built from one parsed file per
 * server: either the JSON result of an MCP `tools/list` call or a plain list of names.
 */

export interface CatalogTool {
  name: string;
  server: string;
  /** The Claude Code form, `mcp__<server>__<name>` (or `name` when already namespaced). */
  qualified: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  annotations?: Record<string, unknown>;
  /** A token estimate stored with the tool (see TOKEN_ESTIMATE_META), used while it matches the definition. */
  storedEstimate?: StoredEstimate;
  /** Position in catalog order (files sorted by name, tools as each file lists them). */
  index: number;
}

/**
 * The `_meta` key under which `catalog refresh` and `catalog estimate` store each tool's
 * token estimate in its tools/list entry (MCP reserves `_meta` for such additions), so
 * that checking and planning need not load the tokenizer.
 */
export const TOKEN_ESTIMATE_META = "apprentice-tools/token-estimate";
/** The tokenizer the estimates are counted with (io/tokenizer.ts). */
export const TOKEN_ENCODING = "cl100k_base";

export interface StoredEstimate {
  encoding: string;
  count: number;
  /** `definitionFingerprint` of the definition counted: a description edited since makes the estimate stale. */
  of: string;
}

/** A stable fingerprint of what a tool's token count is made of. */
export function definitionFingerprint(tool: Pick<CatalogTool, "name" | "description" | "inputSchema">): string {
  return stableHash(toolDefinitionText(tool));
}

/** The tool's stored estimate, when it was counted with this tokenizer from this very definition. */
export function storedEstimateOf(tool: CatalogTool): number | undefined {
  const e = tool.storedEstimate;
  if (e === undefined || e.encoding !== TOKEN_ENCODING) return undefined;
  let valid = validEstimates.get(tool);
  if (valid === undefined) {
    valid = e.of === definitionFingerprint(tool);
    validEstimates.set(tool, valid);
  }
  return valid ? e.count : undefined;
}
const validEstimates = new WeakMap<CatalogTool, boolean>();

function storedEstimateIn(meta: unknown): StoredEstimate | undefined {
  if (meta === null || typeof meta !== "object") return undefined;
  const e = (meta as Record<string, unknown>)[TOKEN_ESTIMATE_META] as Record<string, unknown> | undefined;
  if (e === null || typeof e !== "object") return undefined;
  const { encoding, count, of } = e;
  if (typeof encoding !== "string" || typeof of !== "string" || typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) return undefined;
  return { encoding, count, of };
}

export interface Catalog {
  tools: CatalogTool[];
  servers: string[];
  /** Look a tool up by its listed name or its `mcp__<server>__<name>` form. */
  get(name: string): CatalogTool | undefined;
  has(name: string): boolean;
  /** Every tool an entry (name or pattern) matches, in catalog order. Cached. */
  expand(entry: string): CatalogTool[];
  names(): string[];
}

export const ToolsListSchema = z.object({
  tools: z.array(
    z.looseObject({
      name: z.string(),
      title: z.string().optional(),
      description: z.string().optional(),
      inputSchema: z.unknown().optional(),
      annotations: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  nextCursor: z.string().optional(),
});

export const NameListSchema = z.array(z.string());

export interface CatalogFileInput {
  /** File stem = server name. */
  server: string;
  file: string;
  data: unknown;
}

export interface CatalogProblem {
  file: string;
  /** JSON-ish path inside the file, when the problem is at one entry. */
  path?: (string | number)[];
  message: string;
  /** How to fix it. */
  fix: string;
}

type RawTool = Omit<CatalogTool, "index" | "qualified">;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * True when `ToolsListSchema` accepts `data` (checked in one pass: a catalog of thousands of
 * tools is parsed on every run, and zod copies each entry); false means "ask zod", which
 * says what is wrong. A property test holds the two together (test/core/catalog.test.ts).
 */
export function isToolsList(data: unknown): data is z.output<typeof ToolsListSchema> {
  if (!isRecord(data) || !Array.isArray(data.tools)) return false;
  if (data.nextCursor !== undefined && typeof data.nextCursor !== "string") return false;
  for (const t of data.tools as unknown[]) {
    if (!isRecord(t) || typeof t.name !== "string") return false;
    if (t.title !== undefined && typeof t.title !== "string") return false;
    if (t.description !== undefined && typeof t.description !== "string") return false;
    if (t.annotations !== undefined && !isRecord(t.annotations)) return false;
  }
  return true;
}

/**
 * How deep a tool's schema or annotations may nest. Real schemas nest a handful of levels;
 * one nested thousands deep (a generator's mistake, or a hostile server) would overflow the
 * stack wherever it is serialized: such a tool is reported and left out.
 */
export const MAX_NESTING = 256;

/** Does `value` nest more than MAX_NESTING levels of objects and arrays? (Walked without recursion.) */
export function nestsTooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth > MAX_NESTING) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** `` `generate`, whose inputSchema nests more than 256 levels deep `` (a field of another name in backticks). */
export function tooDeepPhrase(tool: string | undefined, field: string): string {
  const shown = field === "inputSchema" || field === "annotations" ? field : `\`${field}\``;
  return `${tool === undefined ? "a tool whose" : `\`${tool}\`, whose`} ${shown} ${field === "annotations" ? "nest" : "nests"} more than ${MAX_NESTING} levels deep`;
}

/** The field of a tool that nests too deep for the catalog, if one does. */
function tooDeep(tool: RawTool): "inputSchema" | "annotations" | undefined {
  return (["inputSchema", "annotations"] as const).find((field) => nestsTooDeep(tool[field]));
}

function rawToolsOf(input: CatalogFileInput, problems: CatalogProblem[]): RawTool[] {
  if (Array.isArray(input.data)) {
    const list = NameListSchema.safeParse(input.data);
    if (list.success) return list.data.map((name) => ({ name, server: input.server }));
  }
  const toolsList = isToolsList(input.data) ? ({ success: true, data: input.data } as const) : ToolsListSchema.safeParse(input.data);
  if (toolsList.success) {
    return toolsList.data.tools.map((t) => {
      const tool: RawTool = { name: t.name, server: input.server };
      if (t.title !== undefined) tool.title = t.title;
      if (t.description !== undefined) tool.description = t.description;
      if (t.inputSchema !== undefined) tool.inputSchema = t.inputSchema;
      if (t.annotations !== undefined) tool.annotations = t.annotations;
      const stored = storedEstimateIn(t._meta);
      if (stored) tool.storedEstimate = stored;
      return tool;
    });
  }
  problems.push({
    file: input.file,
    message: "is neither a list of tool names nor an MCP `tools/list` result",
    fix: 'Write either a list of names (`["read_file", "grep"]`) or the JSON an MCP server answers to tools/list (`{"tools":[{"name":"read_file","description":"…","inputSchema":{…}}]}`).',
  });
  return [];
}

export function buildCatalog(files: readonly CatalogFileInput[]): { catalog: Catalog; problems: CatalogProblem[] } {
  const problems: CatalogProblem[] = [];
  const sorted = [...files].sort((a, b) => (a.server < b.server ? -1 : a.server > b.server ? 1 : 0));
  const tools: CatalogTool[] = [];
  const byName = new Map<string, CatalogTool>();
  for (const file of sorted) {
    rawToolsOf(file, problems).forEach((raw, i) => {
      if (!isValidToolName(raw.name)) {
        problems.push({ file: file.file, path: ["tools", i, "name"], message: `lists \`${raw.name}\`, which is not a valid tool name`, fix: "Tool names use letters, digits, `_`, `.`, `:` and `-` (1–128 characters)." });
        return;
      }
      const deep = tooDeep(raw);
      if (deep) {
        problems.push({ file: file.file, path: ["tools", i, deep], message: `lists ${tooDeepPhrase(raw.name, deep)}`, fix: `A tool's ${deep} this deep is almost surely generated by mistake; flatten it (or ask the server's authors to), then list the tools again.` });
        return;
      }
      if (byName.has(raw.name)) {
        const first = byName.get(raw.name);
        problems.push({ file: file.file, path: ["tools", i, "name"], message: `lists \`${raw.name}\`, which server \`${first?.server}\` already provides`, fix: "Tool names must be unique across servers; use the `mcp__<server>__<tool>` form in one of them." });
        return;
      }
      const qualified = raw.name.startsWith("mcp__") ? raw.name : `mcp__${raw.server}__${raw.name}`;
      // Every tool has the same fields in the same order (absent ones undefined): the code
      // that looks tools up once per entry of every manifest then meets one object shape,
      // and the JIT does not throw it away for each new combination of optional fields.
      const tool: CatalogTool = {
        name: raw.name,
        server: raw.server,
        qualified,
        title: raw.title,
        description: raw.description,
        inputSchema: raw.inputSchema,
        annotations: raw.annotations,
        storedEstimate: raw.storedEstimate,
        index: tools.length,
      };
      tools.push(tool);
      byName.set(raw.name, tool);
      if (!byName.has(qualified)) byName.set(qualified, tool);
    });
  }
  return { catalog: makeCatalog(tools, byName), problems };
}

function makeCatalog(tools: CatalogTool[], byName: Map<string, CatalogTool>): Catalog {
  // Tools whose `mcp__<server>__<name>` form another tool lists as its own name (rare): no
  // key of the sorted list leads to them by that form, so expansions look at them apart.
  const qualifiedElsewhere = tools.filter((t) => byName.get(t.qualified) !== t);
  // Names sorted once so that a pattern's literal prefix narrows the candidates to a range.
  const sortedKeys = [...byName.keys()].sort();
  const expandCache = new Map<string, CatalogTool[]>();
  const servers = [...new Set(tools.map((t) => t.server))];
  const byServer = new Map<string, CatalogTool[]>();
  for (const t of tools) {
    const list = byServer.get(t.server);
    if (list) list.push(t);
    else byServer.set(t.server, [t]);
  }

  function lowerBound(prefix: string): number {
    let lo = 0;
    let hi = sortedKeys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sortedKeys[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Exactly the tools `compiled.test(tool.name, tool.server)` accepts (which tries both of a
   * tool's names): every such tool has a name or form starting with the pattern's literal
   * prefix, so only that range of the sorted keys is tested, plus the bare server's tools.
   */
  function expandUncached(entry: string): CatalogTool[] {
    const compiled = compilePattern(entry);
    const found = new Set<CatalogTool>();
    if (compiled.server !== undefined) for (const t of byServer.get(compiled.server) ?? []) found.add(t);
    for (let i = lowerBound(compiled.prefix); i < sortedKeys.length; i++) {
      const key = sortedKeys[i] as string;
      if (!key.startsWith(compiled.prefix)) break;
      const tool = byName.get(key) as CatalogTool;
      if (compiled.test(tool.name, tool.server)) found.add(tool);
    }
    for (const t of qualifiedElsewhere) if (compiled.test(t.name, t.server)) found.add(t);
    return [...found].sort((a, b) => a.index - b.index);
  }

  return {
    tools,
    servers,
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
    names: () => tools.map((t) => t.name),
    expand(entry) {
      let hit = expandCache.get(entry);
      if (!hit) {
        hit = expandUncached(entry);
        expandCache.set(entry, hit);
      }
      return hit;
    },
  };
}

/**
 * `firstMatcher` over a catalog. A manifest asks its forbidden entries about every tool it
 * considers, and a fleet's manifests share a few dozen such entries: so each entry is
 * turned once into a bitset over the catalog (from its cached expansion, which holds
 * exactly the tools it matches under either name), and a catalog tool is answered by
 * looking one bit up per entry. Names the catalog lacks go to the compiled patterns.
 */
export interface CatalogMatcher {
  /** The first entry that matches this tool of the catalog. */
  tool(tool: CatalogTool): string | undefined;
  /** The first entry that matches a name (looked up in the catalog first). */
  name(name: string): string | undefined;
}

const bitsets = new WeakMap<Catalog, Map<string, Uint32Array>>();
const MAX_BITSETS = 20_000;

function bitsetOf(catalog: Catalog, entry: string): Uint32Array {
  let byEntry = bitsets.get(catalog);
  if (!byEntry) bitsets.set(catalog, (byEntry = new Map()));
  let bits = byEntry.get(entry);
  if (!bits) {
    bits = new Uint32Array((catalog.tools.length + 31) >>> 5);
    for (const t of catalog.expand(entry)) bits[t.index >>> 5] = (bits[t.index >>> 5] as number) | (1 << (t.index & 31));
    if (byEntry.size >= MAX_BITSETS) byEntry.clear();
    byEntry.set(entry, bits);
  }
  return bits;
}

export function catalogMatcher(entries: readonly string[], catalog: Catalog | undefined): CatalogMatcher {
  const byName = firstMatcher(entries);
  if (!catalog) return { tool: (t) => byName(t.name, t.server), name: (n) => byName(n) };
  const bits = entries.map((e) => bitsetOf(catalog, e));
  const n = entries.length;
  const tool = (t: CatalogTool): string | undefined => {
    if (catalog.tools[t.index] !== t) return byName(t.name, t.server);
    const word = t.index >>> 5;
    const bit = 1 << (t.index & 31);
    for (let j = 0; j < n; j++) if (((bits[j] as Uint32Array)[word] as number) & bit) return entries[j];
    return undefined;
  };
  return {
    tool,
    name(name) {
      const known = catalog.get(name);
      return known !== undefined ? tool(known) : byName(name);
    },
  };
}

/** The text a client sends to the model for one tool: what its token cost is made of. */
export function toolDefinitionText(tool: Pick<CatalogTool, "name" | "description" | "inputSchema">): string {
  return JSON.stringify({ name: tool.name, description: tool.description ?? "", input_schema: tool.inputSchema ?? { type: "object" } });
}

/** Counts tokens in a text; injected so the core stays free of any particular tokenizer. */
export type TokenCounter = (text: string) => number;

/** Per-tool token estimates: the stored one while it holds, else counted once per tool and cached. */
export function tokenEstimator(count: TokenCounter): (tool: CatalogTool) => number {
  const cache = new Map<CatalogTool, number>();
  return (tool) => {
    let n = storedEstimateOf(tool) ?? cache.get(tool);
    if (n === undefined) {
      n = count(toolDefinitionText(tool));
      cache.set(tool, n);
    }
    return n;
  };
}
