import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GlobalLimits } from "../core/config-schema.js";
import type { CatalogText } from "./catalog-files.js";
import type { WireCheck } from "./parallel-check.js";

/**
 * The check of a manifest file is a pure function of its path and bytes, the limits, the
 * catalog and this program; parsing the YAML is most of its cost. So the CLI keeps the
 * results of the last runs, keyed by the file's content, and `plan` after `check` (or a
 * second `check` after editing one file) parses only what changed: the work is done once.
 *
 * One cache file per context (limits, catalog texts, this program's code): a context that
 * changes starts an empty file, so nothing stale can be read back. Only the most recent
 * few context files are kept. Token estimates of catalog tools are kept with the context
 * too, so that a plan of unchanged manifests does not load the tokenizer at all.
 *
 * Writing is atomic (a temp file renamed); a missing, unreadable or foreign cache file is
 * simply a cache miss. The cache never changes a result, only how fast it comes. The
 * file is JSON, which reads back several times faster than v8.serialize's format; what
 * it holds is JSON by construction (manifests as the schema typed them, findings).
 */

const FORMAT = 2;
const KEEP_CONTEXTS = 4;

interface CacheFile {
  format: number;
  context: string;
  entries: Record<string, WireCheck>;
  tokens: Record<string, number>;
}

export interface CheckCache {
  /** The stored check of this file with these bytes, if any. */
  get(file: string, bytes: Uint8Array): WireCheck | undefined;
  set(file: string, bytes: Uint8Array, check: WireCheck): void;
  /** Token estimates of catalog tools, by tool name (names are unique in a catalog). */
  readonly tokens: Map<string, number>;
  /** Writes the file if anything changed: only entries used in this run are kept. */
  save(): void;
}

/** Sizes and times of this program's own modules: any rebuild or edit changes them. */
function codeFingerprint(): string {
  const here = new URL(".", import.meta.url);
  const dirs = [here, new URL("../core/", import.meta.url)];
  const parts: string[] = [import.meta.url];
  for (const dir of dirs) {
    if (dir.protocol !== "file:") continue;
    const path = fileURLToPath(dir);
    let names: string[];
    try {
      names = readdirSync(path).sort();
    } catch {
      continue; // a bundle: its own file below stands for the code
    }
    for (const name of names) {
      const s = statSync(join(path, name), { throwIfNoEntry: false });
      if (s?.isFile()) parts.push(`${name}:${s.size}:${s.mtimeMs}`);
    }
  }
  if (new URL(import.meta.url).protocol === "file:") {
    const s = statSync(fileURLToPath(import.meta.url), { throwIfNoEntry: false });
    if (s) parts.push(`self:${s.size}:${s.mtimeMs}`);
  }
  return parts.join("\n");
}

function keyOf(file: string, bytes: Uint8Array): string {
  return createHash("sha1").update(file).update("\0").update(bytes).digest("base64url");
}

/**
 * Opens the cache for this context in `dir` (created when missing). Never throws: a
 * cache that cannot be read starts empty, one that cannot be written is not written.
 */
export function openCheckCache(dir: string, context: { limits: GlobalLimits; catalogTexts: readonly CatalogText[] | null }): CheckCache {
  const hash = createHash("sha1").update(JSON.stringify({ FORMAT, limits: context.limits, node: process.versions.node, code: codeFingerprint() }));
  if (context.catalogTexts) for (const t of context.catalogTexts) hash.update(`\0${t.file}\0${t.text}`);
  else hash.update("\0no catalog");
  const contextId = hash.digest("base64url");
  const file = join(dir, `check-${contextId.slice(0, 20)}.json`);

  let stored: CacheFile | undefined;
  try {
    const read = JSON.parse(readFileSync(file, "utf8")) as CacheFile;
    if (read && read.format === FORMAT && read.context === contextId) stored = read;
  } catch {
    stored = undefined;
  }
  const old = new Map(Object.entries(stored?.entries ?? {}));
  const used = new Map<string, WireCheck>();
  const tokens = new Map(Object.entries(stored?.tokens ?? {}));
  const tokensBefore = tokens.size;
  let changed = false;

  return {
    tokens,
    get(path, bytes) {
      const key = keyOf(path, bytes);
      const hit = used.get(key) ?? old.get(key);
      if (hit) used.set(key, hit);
      return hit;
    },
    set(path, bytes, check) {
      used.set(keyOf(path, bytes), check);
      changed = true;
    },
    save() {
      if (!changed && tokens.size === tokensBefore) return;
      // Entries of files not read this run (a check of a few paths) stay, unless they
      // outnumber the live ones: then they are mostly old versions of edited files.
      const stale = [...old.keys()].filter((k) => !used.has(k));
      const entries = stale.length <= used.size ? { ...Object.fromEntries(old), ...Object.fromEntries(used) } : Object.fromEntries(used);
      try {
        mkdirSync(dir, { recursive: true });
        const data: CacheFile = { format: FORMAT, context: contextId, entries, tokens: Object.fromEntries(tokens) };
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, JSON.stringify(data));
        renameSync(temp, file);
        pruneOtherContexts(dir, file);
      } catch {
        // A read-only or full disk only costs speed next time.
      }
    },
  };
}

function pruneOtherContexts(dir: string, keep: string): void {
  const files = readdirSync(dir)
    .filter((n) => /^check-.*\.(json|bin)$/.test(n))
    .map((n) => join(dir, n))
    .filter((p) => p !== keep)
    .map((p) => ({ p, t: statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.t - a.t);
  for (const { p } of files.slice(KEEP_CONTEXTS - 1)) {
    try {
      unlinkSync(p);
    } catch {
      // another process may have removed it already
    }
  }
}
