import { createHash } from "node:crypto";
import { readdirSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GlobalLimits } from "../core/config-schema.js";
import type { CatalogText } from "./catalog-files.js";
import { isUnread, type FileBytes } from "./read-file.js";
import type { WireCheck } from "./parallel-check.js";
import { readSealed, writeSealed } from "./sealed-file.js";

/**
 * The check of a manifest file is a pure function of its path and bytes, the limits, the
 * catalog and this program; so is its plan entry when no token budget applies. The CLI
 * keeps both from the last runs, keyed by the file's content, so that `plan` after
 * `check` (or a second `check` after editing one file) parses and provisions only what
 * changed: the work is done once.
 *
 * One file per context (limits, catalog texts, this program's code): a context that
 * changes starts an empty file, so nothing stale can be read back. Only the most recent
 * few are kept. Token estimates of catalog tools live in a file of their own, keyed by the
 * catalog alone, so that the plan that counts them does not rewrite the checks.
 *
 * A file that had settled when it was read (see FileStamp) is also found by its stamp, so
 * that a later run need not read and hash it again, as git's index does.
 *
 * Layout: a first line naming the format, a line of JSON (the context and, per entry, its
 * key, file stamp, type, findings, planned tools and where its plan text lies), then the plan texts
 * one after the other. Reading is one file read and one small JSON parse; a plan text stays
 * bytes, written out as it is. Files are sealed (written atomically, with a checksum:
 * see sealed-file.ts); a missing, damaged or foreign file is simply a cache miss. The cache never changes a
 * result, only how fast it comes.
 */

const MAGIC = "apprentice-tools check cache 5\n";
const TOKENS_FORMAT = 2;
const KEEP_CONTEXTS = 4;

export interface CheckCache {
  /**
   * The stored check of this file with these bytes, if any. With `stamp` (the file's
   * FileStamp key, given only for a file that had settled when read), the entry also
   * remembers it, for `getStamped` in later runs.
   */
  get(file: string, bytes: FileBytes, stamp?: string): WireCheck | undefined;
  /** The stored check of the file as it was when it last had this stamp: found without reading the file. */
  getStamped(file: string, stamp: string): WireCheck | undefined;
  set(file: string, bytes: FileBytes, check: WireCheck, stamp?: string): void;
  /** `get` and `set` by the file's content key (`contentKey`), made by whoever read the bytes. */
  getByKey(file: string, key: string, stamp?: string): WireCheck | undefined;
  setByKey(file: string, key: string, check: WireCheck, stamp?: string): void;
  /** The content keys of the checks stored when opened. */
  storedKeys(): string[];
  /** Token estimates of catalog tools, by tool name (names are unique in a catalog). */
  readonly tokens: Map<string, number>;
  /** How many checks the cache file held when opened (0: everything will be checked afresh). */
  readonly stored: number;
  /** Writes what changed: only entries used in this run are kept. */
  save(): void;
}

/** One stored entry as the header lists it: the plan text is at [at, at + bytes) of the texts that follow. */
interface HeaderEntry {
  key: string;
  /** The file and its FileStamp key when its bytes were read, if it had settled by then. */
  file?: string;
  stamp?: string;
  type?: string;
  findings: WireCheck["findings"];
  sourceFindings: WireCheck["sourceFindings"];
  planned?: { invalid: boolean; toolIndexes: number[]; at: number; bytes: number };
}

interface Header {
  context: string;
  entries: HeaderEntry[];
}

/** An entry of this run. */
interface Live {
  wire: WireCheck;
  file?: string;
  stamp?: string;
}

/** Sizes and times of this program's own modules: any rebuild or edit changes them. */
export function codeFingerprint(): string {
  return (fingerprint ??= readCodeFingerprint());
}
let fingerprint: string | undefined;

function readCodeFingerprint(): string {
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

/**
 * The key a file's check is stored under: its path and bytes, hashed (on any thread). A
 * file that was not read is keyed by its path and why (a hash has no spaces, so no file's
 * bytes give that key).
 */
export function contentKey(file: string, bytes: FileBytes): string {
  if (isUnread(bytes)) return `unread ${JSON.stringify([file, bytes])}`;
  return createHash("sha1").update(file).update("\0").update(bytes).digest("base64url");
}

/** Keys already computed, by the bytes they were computed from: a miss is looked up, then stored. */
const keys = new WeakMap<FileBytes, { file: string; key: string }>();

function keyOf(file: string, bytes: FileBytes): string {
  const known = keys.get(bytes);
  if (known?.file === file) return known.key;
  const key = contentKey(file, bytes);
  keys.set(bytes, { file, key });
  return key;
}

/** The header and the buffer of a cache file, or undefined when it is missing, foreign or damaged. */
function readEntries(file: string, context: string): { header: Header; buf: Buffer; textsAt: number } | undefined {
  const sealed = readSealed(file);
  if (!sealed?.intact()) return undefined;
  const buf = sealed.content;
  try {
    if (buf.toString("latin1", 0, MAGIC.length) !== MAGIC) return undefined;
    const end = buf.indexOf(0x0a, MAGIC.length);
    if (end === -1) return undefined;
    const header = JSON.parse(buf.toString("utf8", MAGIC.length, end)) as Header;
    if (header?.context !== context || !Array.isArray(header.entries)) return undefined;
    return { header, buf, textsAt: end + 1 };
  } catch {
    return undefined;
  }
}

/** A stored entry as a wire check, its plan text a view of the buffer read. */
function storedWire(e: HeaderEntry, buf: Buffer, textsAt: number): Live | undefined {
  const wire: WireCheck = { findings: e.findings, sourceFindings: e.sourceFindings };
  if (e.type !== undefined) wire.type = e.type;
  const live: Live = { wire };
  if (typeof e.file === "string" && typeof e.stamp === "string") {
    live.file = e.file;
    live.stamp = e.stamp;
  }
  if (!e.planned) return live;
  const { invalid, toolIndexes, at, bytes } = e.planned;
  const start = textsAt + at;
  if (!Number.isInteger(start) || !Number.isInteger(bytes) || start + bytes > buf.length || !Array.isArray(toolIndexes)) return undefined;
  wire.planned = { invalid, toolIndexes, head: buf.subarray(start, start + bytes) };
  return live;
}

/**
 * Opens the cache for this context in `dir` (created when missing). Never throws: a
 * cache that cannot be read starts empty, one that cannot be written is not written.
 */
export function openCheckCache(dir: string, context: { limits: GlobalLimits; catalogTexts: readonly CatalogText[] | null }): CheckCache {
  const code = codeFingerprint();
  const catalogHash = createHash("sha1").update(JSON.stringify({ TOKENS_FORMAT, node: process.versions.node, code }));
  if (context.catalogTexts) for (const t of context.catalogTexts) catalogHash.update(`\0${t.file}\0${t.text}`);
  else catalogHash.update("\0no catalog");
  const catalogId = catalogHash.copy().digest("base64url");
  const contextId = catalogHash.update(`\0${MAGIC}\0${JSON.stringify(context.limits)}`).digest("base64url");
  const entriesFile = join(dir, `check-${contextId.slice(0, 20)}.bin`);
  const tokensFile = join(dir, `tokens-${catalogId.slice(0, 20)}.json`);

  const stored = readEntries(entriesFile, contextId);
  const old = new Map<string, HeaderEntry>();
  /** `file\0stamp` → content key. */
  const stamped = new Map<string, string>();
  for (const e of stored?.header.entries ?? []) {
    if (!e || typeof e.key !== "string") continue;
    old.set(e.key, e);
    if (typeof e.file === "string" && typeof e.stamp === "string") stamped.set(`${e.file}\0${e.stamp}`, e.key);
  }
  const used = new Map<string, Live>();
  let changed = false;

  let tokens = new Map<string, number>();
  try {
    const sealed = readSealed(tokensFile);
    const read = sealed?.intact() && (JSON.parse(sealed.content.toString("utf8")) as { format: number; context: string; tokens: Record<string, number> } | null);
    if (read && read.format === TOKENS_FORMAT && read.context === catalogId) tokens = new Map(Object.entries(read.tokens));
  } catch {
    // no estimates kept yet
  }
  const tokensBefore = tokens.size;

  const saveEntries = () => {
    // Entries of files not read this run (a check of a few paths) stay, unless they
    // outnumber the live ones: then they are mostly old versions of edited files.
    const live = new Map(used);
    const stale = [...old.keys()].filter((k) => !used.has(k));
    if (stored && stale.length <= used.size) {
      for (const k of stale) {
        const kept = storedWire(old.get(k) as HeaderEntry, stored.buf, stored.textsAt);
        if (kept) live.set(k, kept);
      }
    }
    const entries: HeaderEntry[] = [];
    const texts: Uint8Array[] = [];
    let at = 0;
    for (const [key, { wire, file, stamp }] of live) {
      const e: HeaderEntry = { key, findings: wire.findings, sourceFindings: wire.sourceFindings };
      if (file !== undefined && stamp !== undefined) {
        e.file = file;
        e.stamp = stamp;
      }
      if (wire.type !== undefined) e.type = wire.type;
      if (wire.planned) {
        const { head } = wire.planned;
        e.planned = { invalid: wire.planned.invalid, toolIndexes: wire.planned.toolIndexes, at, bytes: head.length };
        texts.push(head);
        at += head.length;
      }
      entries.push(e);
    }
    const header: Header = { context: contextId, entries };
    writeSealed(entriesFile, (out) => {
      out(MAGIC + JSON.stringify(header) + "\n");
      // Neighbouring texts usually lie side by side in one chunk's buffer: written as one piece.
      let run: Uint8Array | undefined;
      for (const raw of texts) {
        if (run && run.buffer === raw.buffer && run.byteOffset + run.length === raw.byteOffset) run = new Uint8Array(run.buffer, run.byteOffset, run.length + raw.length);
        else {
          if (run) out(run);
          run = raw;
        }
      }
      if (run) out(run);
    });
    pruneOtherContexts(dir, entriesFile, /^check-.*\.(json|bin)$/);
  };

  /** The entry with this content key, from this run or from the file read (then marked as used). */
  const liveOf = (key: string): Live | undefined => {
    let live = used.get(key);
    if (live) return live;
    const e = old.get(key);
    live = e && stored ? storedWire(e, stored.buf, stored.textsAt) : undefined;
    if (live) used.set(key, live);
    return live;
  };

  const getByKey = (path: string, key: string, stamp?: string): WireCheck | undefined => {
    const live = liveOf(key);
    if (!live) return undefined;
    if (stamp !== undefined && (live.file !== path || live.stamp !== stamp)) {
      live.file = path;
      live.stamp = stamp;
      changed = true;
    }
    return live.wire;
  };
  const setByKey = (path: string, key: string, check: WireCheck, stamp?: string) => {
    used.set(key, stamp === undefined ? { wire: check } : { wire: check, file: path, stamp });
    changed = true;
  };

  return {
    tokens,
    stored: old.size,
    get: (path, bytes, stamp) => getByKey(path, keyOf(path, bytes), stamp),
    getStamped(path, stamp) {
      const key = stamped.get(`${path}\0${stamp}`);
      return key === undefined ? undefined : liveOf(key)?.wire;
    },
    set: (path, bytes, check, stamp) => setByKey(path, keyOf(path, bytes), check, stamp),
    getByKey,
    setByKey,
    storedKeys: () => [...old.keys()],
    save() {
      try {
        if (changed) saveEntries();
        if (tokens.size !== tokensBefore) {
          writeSealed(tokensFile, (out) => out(JSON.stringify({ format: TOKENS_FORMAT, context: catalogId, tokens: Object.fromEntries(tokens) })));
          pruneOtherContexts(dir, tokensFile, /^tokens-.*\.json$/);
        }
      } catch {
        // A read-only or full disk only costs speed next time.
      }
    },
  };
}

function pruneOtherContexts(dir: string, keep: string, pattern: RegExp): void {
  const files = readdirSync(dir)
    .filter((n) => pattern.test(n))
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
