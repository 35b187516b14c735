import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { definitionFingerprint, MAX_NESTING, nestsTooDeep, TOKEN_ENCODING, TOKEN_ESTIMATE_META, tooDeepPhrase, type StoredEstimate, type TokenCounter } from "../core/catalog.js";
import { writeFileAtomic } from "./atomic-write.js";

/**
 * `catalog estimate`: stores each tool's token estimate in its tools/list entry, under
 * `_meta["apprentice-tools/token-estimate"]`, with a fingerprint of the definition it was
 * counted from. Checks and plans then read the estimates instead of loading the
 * tokenizer (a tenth of a second on every run, more for large catalogs), and ignore an
 * estimate whose tool has been edited since.
 */

export type EstimateResult =
  | { file: string; status: "written" | "unchanged"; tools: number }
  | { file: string; status: "skipped"; reason: string };

/** The estimate of one tools/list entry. */
export function estimateOf(tool: { name: string; description?: string; inputSchema?: unknown }, count: TokenCounter, text: string): StoredEstimate {
  return { encoding: TOKEN_ENCODING, count: count(text), of: definitionFingerprint(tool) };
}

/** The entry with its estimate in `_meta` (other `_meta` keys kept), and whether anything changed. */
export function withEstimate(entry: Record<string, unknown>, estimate: StoredEstimate): { entry: Record<string, unknown>; changed: boolean } {
  const meta = entry._meta !== null && typeof entry._meta === "object" && !Array.isArray(entry._meta) ? (entry._meta as Record<string, unknown>) : {};
  const old = meta[TOKEN_ESTIMATE_META] as Partial<StoredEstimate> | undefined;
  if (old && old.encoding === estimate.encoding && old.count === estimate.count && old.of === estimate.of) return { entry, changed: false };
  return { entry: { ...entry, _meta: { ...meta, [TOKEN_ESTIMATE_META]: estimate } }, changed: true };
}

/** Adds or updates the estimates of every tools/list file in `dir`; other files are reported and left alone. */
export async function estimateCatalogFolder(dir: string, count: TokenCounter, toolText: (tool: { name: string; description?: string; inputSchema?: unknown }) => string): Promise<EstimateResult[]> {
  const names = (await readdir(dir)).filter((n) => /\.(json|ya?ml)$/i.test(n)).sort();
  const results: EstimateResult[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    if (!/\.json$/i.test(name)) {
      results.push({ file, status: "skipped", reason: "a YAML catalog is left as written (estimates are stored in tools/list JSON files)" });
      continue;
    }
    let data: unknown;
    try {
      data = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      results.push({ file, status: "skipped", reason: `not valid JSON (${(error as Error).message}); \`apprentice-tools check\` says where` });
      continue;
    }
    const tools = (data as { tools?: unknown } | null)?.tools;
    if (!Array.isArray(tools)) {
      results.push({ file, status: "skipped", reason: Array.isArray(data) ? "a list of names has no tool definitions to count" : "not a tools/list result" });
      continue;
    }
    const tooDeep = tooDeepToWrite(data as Record<string, unknown>, tools);
    if (tooDeep) {
      results.push({ file, status: "skipped", reason: tooDeep });
      continue;
    }
    let changed = false;
    const updated = tools.map((t: unknown) => {
      if (t === null || typeof t !== "object" || typeof (t as { name?: unknown }).name !== "string") return t;
      const tool = t as { name: string; description?: string; inputSchema?: unknown } & Record<string, unknown>;
      const r = withEstimate(tool, estimateOf(tool, count, toolText(tool)));
      changed ||= r.changed;
      return r.entry;
    });
    if (changed) await writeFileAtomic(file, `${JSON.stringify({ ...(data as object), tools: updated }, null, 2)}\n`);
    results.push({ file, status: changed ? "written" : "unchanged", tools: tools.length });
  }
  return results;
}

/**
 * Why a tools/list file is not written back, when part of it nests more than MAX_NESTING
 * levels deep: serializing it would overflow the stack a few thousand levels down (the
 * folder was then reported as unreadable), and check and plan leave such a tool out anyway.
 */
function tooDeepToWrite(data: Record<string, unknown>, tools: unknown[]): string | undefined {
  const leftAsWritten = "the file is left as written, none of its tools estimated";
  for (const tool of tools) {
    if (tool === null || typeof tool !== "object" || Array.isArray(tool)) {
      if (nestsTooDeep(tool)) return `an entry of \`tools\` nests more than ${MAX_NESTING} levels deep: ${leftAsWritten}; correct that entry, then run estimate again`;
      continue;
    }
    const entry = tool as Record<string, unknown>;
    const field = Object.keys(entry).find((key) => nestsTooDeep(entry[key]));
    if (field === undefined) continue;
    const leftOut = field === "inputSchema" || field === "annotations" ? " (check reports that tool and plan leaves it out)" : "";
    return `it lists ${tooDeepPhrase(typeof entry.name === "string" ? entry.name : undefined, field)}${leftOut}: ${leftAsWritten}; flatten or remove that tool, then run estimate again`;
  }
  const key = Object.keys(data).find((k) => k !== "tools" && nestsTooDeep(data[k]));
  return key === undefined ? undefined : `its \`${key}\` nests more than ${MAX_NESTING} levels deep: ${leftAsWritten}; flatten or remove it, then run estimate again`;
}
