import { Buffer } from "node:buffer";
import { closeSync, existsSync, fstatSync, readSync, type Stats } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Worker, WorkerOptions } from "node:worker_threads";
import { buildCatalog, type Catalog, type CatalogFileInput } from "../core/catalog.js";
import type { GlobalLimits } from "../core/config-schema.js";
import type { Finding } from "../core/finding.js";
import type { Locator } from "../core/locator.js";
import { checkManifest, type CheckContext, type CheckedManifest, type ManifestSource } from "../core/manifest-check.js";
import type { Manifest } from "../core/manifest-schema.js";
import { makesInvalid, planEntry, toolIndexesOf, type PlannedEntry } from "../core/plan.js";
import { effectiveLimits } from "../core/provision.js";
import { Utf8Sink, writeApprenticeJsonHead } from "../core/render-json.js";
import { contentKey } from "./check-cache.js";
import { hasSettled, stampOfStats, type FileStamp } from "./file-source.js";
import { isUnread, MAX_FILE_BYTES, openToRead, readFileIfThere, readOpenFile, unreadOf, type FileBytes, type Unread } from "./read-file.js";
import { manifestSourceFromBytes, stemOf } from "./manifest-source.js";
import type { TokenWorkerJob, TokenWorkerMessage } from "./token-worker.js";
import { withPlainEnv } from "./yaml-source.js";

/**
 * Parsing a manifest with positions costs about a millisecond, so a repository of many
 * manifests is parsed and checked (rules 1–10, per file) on several threads (see threadCount): the main thread
 * and worker threads claim chunks of files from a shared counter until none are left,
 * and the results are put back in file order, so the outcome does not depend on which
 * thread did what. Each file is checked right after it is parsed and its YAML document
 * dropped, so memory holds bytes and results, not ten thousand syntax trees (which also
 * spares the garbage collector). Below this many files none of this pays for itself.
 */
export const PARALLEL_MIN_FILES = 500;
const CHUNK_FILES = 64;

/**
 * What a worker starts with (its workerData): it loads its code while the main thread is
 * still reading the catalog and listing the files.
 */
export interface CheckWorkerData {
  limits: GlobalLimits;
  /** Make plan entries too (ParallelCheckInput.plan). */
  plan: boolean;
}

/** The files a worker checks its share of. */
export interface CheckWorkerJob {
  /**
   * The catalog's tool names by server, in catalog order, or null without a catalog: the
   * checks need names and servers only, so workers build this much of the same catalog
   * (same tools, same indexes) instead of parsing megabytes of tool definitions again.
   */
  catalogNames: CatalogNames | null;
  files: string[];
  /**
   * Files in memory: every file's bytes, one after the other, in shared memory; file i is
   * bytes[offsets[i]..offsets[i+1]), unless `unread` says why it was not read.
   */
  memory?: { bytes: SharedArrayBuffer; offsets: SharedArrayBuffer; unread?: (Unread | null)[] };
  /** Files on disk (DiskFiles): read by the thread that checks them. */
  disk?: { paths: string[]; keyed: boolean; stamped: boolean; known: string[] };
  /** The next chunk to claim (an Int32 incremented atomically). */
  counter: SharedArrayBuffer;
  chunkFiles: number;
}

/**
 * Files of a working tree, read by whichever thread checks them (so the reading is shared
 * out too, and no thread holds every file at once), each file's content key made there.
 */
export interface DiskFiles {
  /** Each file's absolute path, in the order of `files`. */
  paths: readonly string[];
  /** Make each file's content key (`contentKey`), for a cache. */
  keyed: boolean;
  /** Take each file's stamp as it is read (FileStamp; kept only when the file had settled). */
  stamped?: boolean;
  /** Content keys whose checks are stored (`stored` answers for them): such files are only read and hashed. */
  known?: readonly string[];
  /** The stored check with this content key (one of `known`) for file `index` of `files` (and its stamp as read, with `stamped`). */
  stored?: (key: string, index: number, stamp: string | undefined) => WireCheck | undefined;
}

/**
 * One file's outcome as it crosses the thread boundary and as the cache keeps it: the
 * findings, the apprentice type and (when asked for) the plan entry, but not the
 * manifest itself, which is read again from the file's bytes if something needs it.
 */
export interface WireCheck {
  type?: string;
  /** The manifest, when no plan entry was made for it (a cache keeps only the entry). */
  manifest?: Manifest;
  findings: Finding[];
  sourceFindings: Finding[];
  planned?: PlannedEntry;
}

/**
 * A chunk of files' results as they cross threads: the plan texts of the chunk travel as
 * one buffer of UTF-8 (moved, not copied, and outside the JS heap, so the garbage
 * collector never walks tens of megabytes of text), each entry saying how many bytes of
 * it are its own.
 */
export interface WireChunk {
  results: (Omit<WireCheck, "planned"> & {
    planned?: { invalid: boolean; toolIndexes: number[]; bytes: number };
    /** The file's content key (DiskFiles.keyed). */
    key?: string;
    /** The file's stamp as it was read, if it had settled (DiskFiles.stamped). */
    stamp?: string;
    /** The key is a known one: the file was not checked (its findings here are empty). */
    stored?: true;
  })[];
  texts: Uint8Array;
}

export type CheckWorkerMessage = { type: "chunk"; index: number; chunk: WireChunk } | { type: "done" } | { type: "error"; message: string };

export interface ParallelCheckInput {
  files: readonly string[];
  /** Each file's bytes (or why it was not read); or `disk`. */
  contents?: readonly FileBytes[];
  disk?: DiskFiles;
  limits: GlobalLimits;
  /** The main thread's catalog; workers build its names-only twin (CheckWorkerJob.catalogNames). */
  catalog?: Catalog;
  /** Also make each file's plan entry (for a cache, so that a later plan reuses it). */
  plan?: boolean;
  /**
   * When worker threads check too, the main thread takes its share only once this has
   * settled (the workers begin at once): work of another thread that should have the
   * processor first, such as the token count. A main thread that checks alone does not
   * wait: it would leave a core idle (measured on two cores, 10,000 manifests, first
   * check + plan: 0.14 s sooner, 12 interleaved rounds).
   */
  after?: Promise<unknown>;
}

export interface ParallelCheckResult {
  sources: ManifestSource[];
  checked: CheckedManifest[];
  /** The same results as plain data (what a cache stores). */
  wire: WireCheck[];
  /** With `disk.keyed`: each file's content key, and whether its check was stored already (`disk.stored`) rather than made now. */
  keys?: string[];
  reused?: boolean[];
  /** With `disk.stamped`: each file's stamp as it was read, if it had settled. */
  stamps?: (string | undefined)[];
}

type FileResult = { source: ManifestSource; checked: CheckedManifest; wire: WireCheck; key?: string; reused?: boolean; stamp?: string };

/**
 * How many threads check (the main one included): `APPRENTICE_TOOLS_THREADS`, else one
 * core fewer than there are. Every checking thread loads, warms up and optimizes the same
 * code on its own, and V8 compiles that code and collects garbage on threads of its own,
 * next to the one counting tokens: so one core is left to them. Measured on two cores
 * (10,000 manifests, first run): one checking thread took as long as two on an idle
 * machine with a quarter less CPU, and 6.3 s instead of 8.1 s while other work kept both
 * cores busy.
 */
export function threadCount(): number {
  const asked = Number(process.env.APPRENTICE_TOOLS_THREADS);
  return Number.isInteger(asked) && asked >= 1 ? asked : Math.max(1, availableParallelism() - 1);
}

/**
 * A checking worker's young generation, in megabytes (V8's default is several times
 * larger). Checking allocates much that dies within one file: a small young generation
 * keeps it in the processor's caches and collects it as cheaply, and saves tens of
 * megabytes per thread (measured on ten thousand manifests: a little faster, 30 MB less).
 */
const WORKER_YOUNG_MB = 4;

/**
 * A worker's script next to this module (`.js` when built, `.ts` under tsx), if it exists
 * (not in a single-file bundle) and can run: TypeScript only where tsx loads it in
 * threads too (`node --import tsx`), not where a test runner compiles it on the fly.
 */
function workerScript(name: "check-worker" | "token-worker" | "plan-worker"): URL | undefined {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  if (ext === ".ts" && !process.execArgv.some((arg) => /\btsx\b/.test(arg))) return undefined;
  const url = new URL(`./${name}${ext}`, import.meta.url);
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : undefined;
}

/** A token counter started ahead of its texts (see startTokenCounter). */
export interface TokenCounter {
  /**
   * Gives it the tool definitions to count (once). `counts` gives them, in order, once
   * it is done, or undefined if it could not count (the plan then counts them itself). (An
   * object, not a promise of a promise: asking does not wait for the count.)
   */
  count(definitions: string[]): { counts: Promise<number[] | undefined> };
  /** Ends it without counting anything (nothing turned out to need counting). */
  stop(): void;
}

/**
 * Starts a worker thread that loads the tokenizer at once and then counts the tool
 * definitions it is given, for the plan that usually follows a check (its tokenizer's
 * tables go with it). Started before the catalog is parsed, it loads while that happens.
 * Undefined without a worker script (a single-file bundle).
 */
export async function startTokenCounter(): Promise<TokenCounter | undefined> {
  const script = workerScript("token-worker");
  if (!script) return undefined;
  const { Worker } = await import("node:worker_threads");
  const worker = new Worker(script);
  // Waiting for its texts does not keep the process alive.
  worker.unref();
  const ended = new Promise<undefined>((resolve) => {
    worker.once("error", () => resolve(undefined));
    worker.once("exit", () => resolve(undefined));
  });
  return {
    count(definitions) {
      if (definitions.length === 0) {
        void worker.terminate();
        return { counts: Promise.resolve(undefined) };
      }
      worker.ref();
      const counted = new Promise<number[] | undefined>((resolve) => {
        worker.once("message", (msg: TokenWorkerMessage) => resolve("counts" in msg && msg.counts.length === definitions.length ? msg.counts : undefined));
      });
      worker.postMessage({ definitions } satisfies TokenWorkerJob);
      return { counts: Promise.race([counted, ended]).finally(() => void worker.terminate()) };
    },
    stop() {
      void worker.terminate();
    },
  };
}

/** The catalog's tool names by server, in catalog order (CheckWorkerJob.catalogNames). */
export type CatalogNames = { server: string; names: string[] }[];

/** The checks' context on a thread that has the catalog's names only (the same tools, the same indexes). */
export function namesContext(limits: GlobalLimits, catalogNames: CatalogNames | null): CheckContext {
  if (!catalogNames) return { limits };
  const inputs: CatalogFileInput[] = catalogNames.map(({ server, names }) => ({ server, file: server, data: names }));
  return { limits, catalog: buildCatalog(inputs).catalog };
}

/** What the plan worker is sent: the catalog's names (once, first), chunks to plan, and the end. */
export type PlanWorkerJob = { type: "catalog"; catalogNames: CatalogNames | null } | { type: "plan"; index: number; items: PlanItem[] } | { type: "end" };

/**
 * A chunk's plan entries, the end of the job, or why it failed. The entries travel as
 * their JSON heads one after the other (`texts`, moved rather than copied), and one array
 * of numbers: for each entry its place in the chunk, whether it is invalid (1) or not,
 * the length of its head, the number of its tool indexes and those indexes. (As an
 * object and an array each, they took the main thread ~0.4 ms a chunk to receive, after
 * its own work was done: ~70 ms for ten thousand manifests.)
 */
export type PlanWorkerMessage = { type: "planned"; index: number; entries: number[]; texts: Uint8Array } | { type: "done" } | { type: "error"; message: string };

/** Makes the plan entries of one chunk's items: what the plan worker does with each chunk it is sent. */
export function planChunk(index: number, items: readonly PlanItem[], ctx: CheckContext): PlanWorkerMessage & { type: "planned" } {
  const texts = (chunkTexts ??= new Utf8Sink(CHUNK_FILES * 4096));
  texts.length = 0;
  const fields: number[] = [];
  for (const item of items) {
    const { invalid, toolIndexes, bytes } = planInto(item.manifest, item.file, item.invalid, ctx, texts);
    fields.push(item.k, invalid ? 1 : 0, bytes, toolIndexes.length);
    for (const t of toolIndexes) fields.push(t);
  }
  return { type: "planned", index, entries: fields, texts: texts.copy() };
}

/**
 * A helper thread that makes the plan entries of the files the main thread checks, when
 * it checks alone (see startCheckWorkers): the main thread parses and checks, the helper
 * provisions and writes each entry's JSON. Unlike a second checking thread, it does not
 * warm up and optimize the same code again: each thread runs its own half.
 */
export interface PlanWorker {
  /** Gives it the catalog (its names); before any chunk. */
  begin(catalog: Catalog | undefined): void;
  /** Sends it one chunk's files to plan. */
  plan(index: number, items: PlanItem[]): void;
  /**
   * Every chunk's entries, once all that were sent are made; if the worker failed, those
   * it made (the others are made from their manifests by whatever needs them).
   */
  finish(): Promise<(PlanWorkerMessage & { type: "planned" })[]>;
  stop(): Promise<void>;
}

/**
 * A plan worker (see PlanWorker): started at once when `eager` (a first check, which will
 * plan every file: it loads its code meanwhile), else when it is first sent files to plan
 * (a check that finds every file's check stored has nothing to plan). Undefined without
 * its script (a single-file bundle).
 */
function planWorker(Worker: new (script: URL, options: WorkerOptions) => Worker, limits: GlobalLimits, eager: boolean): PlanWorker | undefined {
  const script = workerScript("plan-worker");
  if (!script) return undefined;
  let catalogNames: CatalogNames | null | undefined;
  let started: { worker: Worker; ended: Promise<void> } | undefined;
  const answers: (PlanWorkerMessage & { type: "planned" })[] = [];
  const start = () => {
    const worker = new Worker(script, { workerData: { limits } satisfies PlanWorkerData, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    // Waiting for its files does not keep the process alive (if reading them fails, it ends).
    worker.unref();
    const ended = new Promise<void>((resolve) => {
      worker.on("message", (msg: PlanWorkerMessage) => {
        if (msg.type === "planned") answers.push(msg);
        else resolve(); // done, or an error: what is missing is made where it is needed
      });
      worker.once("error", () => resolve());
      worker.once("exit", () => resolve());
    });
    if (catalogNames !== undefined) worker.postMessage({ type: "catalog", catalogNames } satisfies PlanWorkerJob);
    return { worker, ended };
  };
  if (eager) started = start();
  return {
    begin(catalog) {
      catalogNames = catalog ? catalogNamesOf(catalog) : null;
      started?.worker.postMessage({ type: "catalog", catalogNames } satisfies PlanWorkerJob);
    },
    plan(index, items) {
      (started ??= start()).worker.postMessage({ type: "plan", index, items } satisfies PlanWorkerJob);
    },
    async finish() {
      if (!started) return answers;
      started.worker.ref();
      started.worker.postMessage({ type: "end" } satisfies PlanWorkerJob);
      await started.ended;
      return answers;
    },
    async stop() {
      await started?.worker.terminate();
    },
  };
}

/** What the plan worker starts with. */
export interface PlanWorkerData {
  limits: GlobalLimits;
}

/**
 * A source whose YAML is parsed again only if something asks for its data or a place in
 * it (a finding made after the check, such as a duplicate type). The worker that checked
 * it already placed every finding of its own.
 */
function lazySource(file: string, stem: string, bytes: FileBytes | (() => FileBytes), findings: Finding[]): ManifestSource {
  let parsed: ManifestSource | undefined;
  const full = () => (parsed ??= manifestSourceFromBytes(file, typeof bytes === "function" ? bytes() : bytes));
  const locate: Locator = (path, part) => full().locate(path, part);
  return {
    file,
    stem,
    findings,
    get data() {
      return full().data;
    },
    locate,
  };
}

/** This thread's buffer for a chunk's plan texts (see checkChunk). */
let chunkTexts: Utf8Sink | undefined;

/** Content keys to make (and the known ones, whose files are not checked), and the stamp of the file read last, if wanted. */
export interface ChunkKeys {
  known: ReadonlySet<string>;
  stamp?: () => string | undefined;
}

/** A file whose plan entry another thread makes (see PlanWorker): its place in its chunk, and what planning it takes. */
export interface PlanItem {
  k: number;
  file: string;
  manifest: Manifest;
  invalid: boolean;
}

/**
 * What provisioning reads of a manifest, for sending to a plan worker: the rest (the
 * description, notes, requirements) left empty, a third fewer bytes to copy across.
 */
function provisioningPart(m: Manifest): Manifest {
  return { ...m, description: "", specialization: undefined, tool_notes: {}, feedback: undefined, requirements: [] };
}

/** Makes a file's plan entry: its JSON head is written to `texts`, and the rest of what a wire check keeps of it is returned. */
function planInto(m: Manifest, file: string, invalid: boolean, ctx: CheckContext, texts: Utf8Sink): { invalid: boolean; toolIndexes: number[]; bytes: number } {
  const entry = planEntry(m, file, invalid, ctx);
  const before = texts.length;
  writeApprenticeJsonHead(entry, texts);
  return { invalid, toolIndexes: toolIndexesOf(entry, ctx.catalog), bytes: texts.length - before };
}

/**
 * Parses and checks files `from` to `to` (exclusive) of a list: what the main thread and
 * every worker do with each chunk they claim. With `plan`, also makes each file's plan
 * entry when no token budget applies to it (tokens are counted later; see PlannedEntry),
 * or, given `deferred`, adds what it takes to that list instead (for a PlanWorker).
 * `bytesOf(i)` may reuse its buffer (scratchReader): each file's bytes are done with
 * before the next file is read.
 */
export function checkChunk(files: readonly string[], bytesOf: (i: number) => FileBytes, from: number, to: number, ctx: CheckContext, plan: boolean, keys?: ChunkKeys, deferred?: PlanItem[]): WireChunk {
  const results: WireChunk["results"] = [];
  // Plan texts are written straight into one growing buffer of bytes (this thread's, reused
  // from chunk to chunk): no strings, no copies but the one the chunk keeps.
  const texts = (chunkTexts ??= new Utf8Sink(CHUNK_FILES * 4096));
  texts.length = 0;
  for (let i = from; i < to; i++) {
    const file = files[i] as string;
    const bytes = bytesOf(i);
    const key = keys ? contentKey(file, bytes) : undefined;
    const stamp = keys?.stamp?.();
    if (key !== undefined && keys?.known.has(key)) {
      results.push(stamp === undefined ? { key, stored: true, findings: [], sourceFindings: [] } : { key, stamp, stored: true, findings: [], sourceFindings: [] });
      continue;
    }
    const source = manifestSourceFromBytes(file, bytes);
    const checked = checkManifest(source, ctx);
    const result: WireChunk["results"][number] = { findings: checked.findings, sourceFindings: source.findings };
    if (key !== undefined) result.key = key;
    if (stamp !== undefined) result.stamp = stamp;
    const m = checked.manifest;
    if (m) {
      result.type = m.apprentice_type;
      if (plan && effectiveLimits(m, ctx.limits).maxTokens === null) {
        const invalid = makesInvalid(checked.findings);
        if (deferred) deferred.push({ k: i - from, file, manifest: provisioningPart(m), invalid });
        else result.planned = planInto(m, file, invalid, ctx, texts);
      } else if (!plan) {
        // No cache to fill: whoever asked will plan, and needs the manifest itself.
        result.manifest = m;
      }
    }
    results.push(result);
  }
  // An exact copy, so that the buffer kept (or moved to the main thread) holds no spare room.
  return { results, texts: texts.copy() };
}

/** The wire checks of a chunk, each planned entry over its own part of the chunk's texts. */
export function unpackChunk(chunk: WireChunk): (WireCheck & { key?: string; stamp?: string; stored?: true })[] {
  let at = 0;
  return chunk.results.map((r) => {
    if (!r.planned) return r as WireCheck;
    const { invalid, toolIndexes, bytes } = r.planned;
    const head = chunk.texts.subarray(at, at + bytes);
    at += bytes;
    return { ...r, planned: { invalid, toolIndexes, head } };
  });
}

/** A file of a working tree, read by the thread that checks it (a file gone since it was listed reads as empty, as FileSource.read has it). */
export function readDiskFile(path: string): FileBytes {
  return readFileIfThere(path) ?? new Uint8Array();
}

const SCRATCH_BYTES = 64 * 1024;

/**
 * Reads files into one buffer, reused: the bytes of a file are valid only until the next
 * one is read. For a loop that is done with each file's bytes before it reads the next
 * (checkChunk hashes and parses them at once, and anything that wants them later reads
 * the file again), this spares allocating and freeing ten thousand buffers, which on a
 * busy heap costs time and leaves memory scattered. Larger files are read whole, apart,
 * up to MAX_FILE_BYTES (see readOpenFile).
 *
 * Without `onStamp` a file is not stat'ed first (one call less per file): what it is shows
 * in how its reading ends. A regular file ends at its size; a named pipe (opened without
 * blocking) or /dev/null reads as empty at once, a device such as /dev/zero never ends, a
 * pipe with a writer or a terminal fails with EAGAIN, a folder with EISDIR: each of these
 * is stat'ed then, and reported (Unread) rather than read.
 */
export function scratchReader(onStamp?: (stamp: FileStamp | undefined) => void): (path: string) => FileBytes {
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  return (path) => {
    const fd = openToRead(path);
    if (typeof fd !== "number") {
      onStamp?.(undefined);
      return fd ?? new Uint8Array();
    }
    try {
      let stats: Stats | undefined;
      if (onStamp) {
        // Stamped before reading, so that a write in between makes the stamp older than the bytes, never newer.
        stats = fstatSync(fd);
        onStamp(stampOfStats(stats));
        if (!stats.isFile()) return unreadOf(stats, MAX_FILE_BYTES) as Unread;
      }
      let n = 0;
      for (;;) {
        if (n === scratch.length) return readOpenFile(fd, MAX_FILE_BYTES, stats); // larger than the scratch: read whole, apart
        let read: number;
        try {
          read = readSync(fd, scratch, n, scratch.length - n, n);
        } catch (err) {
          const unread = unreadOf(stats ?? fstatSync(fd), MAX_FILE_BYTES);
          if (unread?.unread === "not-a-file") return unread;
          throw err;
        }
        if (read === 0) {
          const unread = n === 0 && !stats ? unreadOf(fstatSync(fd), MAX_FILE_BYTES) : undefined;
          return unread?.unread === "not-a-file" ? unread : scratch.subarray(0, n);
        }
        n += read;
      }
    } finally {
      closeSync(fd);
    }
  };
}

/** How a thread reads file i of a job (bytes valid until the next file is read), and what it makes of each file besides its check. */
export function jobReader(job: CheckWorkerJob): { bytesOf: (i: number) => FileBytes; keys?: ChunkKeys } {
  if (job.disk) {
    const { paths, keyed, stamped, known } = job.disk;
    let last: string | undefined;
    const now = Date.now();
    const read = scratchReader(stamped ? (s) => (last = s && hasSettled(s.changedAt, now) ? s.key : undefined) : undefined);
    const keys: ChunkKeys | undefined = keyed ? { known: new Set(known), ...(stamped ? { stamp: () => last } : {}) } : undefined;
    return { bytesOf: (i) => read(paths[i] as string), ...(keys ? { keys } : {}) };
  }
  const bytes = new Uint8Array(job.memory?.bytes ?? new SharedArrayBuffer(0));
  const offsets = new Int32Array(job.memory?.offsets ?? new SharedArrayBuffer(0));
  const unread = job.memory?.unread;
  // slice() copies out of shared memory: TextDecoder does not read shared buffers.
  return { bytesOf: (i) => unread?.[i] ?? bytes.slice(offsets[i], offsets[i + 1]) };
}

/**
 * A file's results from its wire form. The manifest is read again from the bytes the
 * first time something asks for it (its check, minus catalog rules, gives the same one);
 * `bytes` may be a function that reads the file then.
 */
export function fromWire(file: string, bytes: FileBytes | (() => FileBytes), wire: WireCheck, limits: GlobalLimits): FileResult {
  const source = lazySource(file, stemOf(file), bytes, wire.sourceFindings);
  const checked: CheckedManifest = { file, stem: source.stem, findings: wire.findings, locate: source.locate };
  if (wire.manifest !== undefined) {
    checked.manifest = wire.manifest;
    checked.type = wire.manifest.apprentice_type;
  } else if (wire.type !== undefined) {
    let manifest: Manifest | undefined;
    checked.type = wire.type;
    Object.defineProperty(checked, "manifest", {
      enumerable: true,
      get: () => (manifest ??= withPlainEnv(() => checkManifest(source, { limits }).manifest)),
    });
  }
  if (wire.planned) checked.planned = wire.planned;
  return { source, checked, wire };
}

function catalogNamesOf(catalog: Catalog): CatalogNames {
  const byServer = new Map<string, string[]>();
  for (const t of catalog.tools) {
    const list = byServer.get(t.server);
    if (list) list.push(t.name);
    else byServer.set(t.server, [t.name]);
  }
  return [...byServer].map(([server, names]) => ({ server, names }));
}

/** The workers' job: files on disk by path, or files in memory copied into shared memory once. */
function workerJob(input: ParallelCheckInput, counter: Int32Array): CheckWorkerJob {
  const { files, contents, disk } = input;
  const job: CheckWorkerJob = { catalogNames: input.catalog ? catalogNamesOf(input.catalog) : null, files: [...files], counter: counter.buffer as SharedArrayBuffer, chunkFiles: CHUNK_FILES };
  if (disk) {
    job.disk = { paths: [...disk.paths], keyed: disk.keyed, stamped: disk.stamped === true, known: [...(disk.known ?? [])] };
    return job;
  }
  const offsets = new Int32Array(new SharedArrayBuffer(4 * (files.length + 1)));
  let total = 0;
  contents?.forEach((c, i) => {
    offsets[i] = total;
    if (!isUnread(c)) total += c.byteLength;
  });
  offsets[files.length] = total;
  const bytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)));
  contents?.forEach((c, i) => {
    if (!isUnread(c)) bytes.set(c, offsets[i]);
  });
  job.memory = { bytes: bytes.buffer as SharedArrayBuffer, offsets: offsets.buffer as SharedArrayBuffer };
  if (contents?.some(isUnread)) job.memory.unread = contents.map((c) => (isUnread(c) ? c : null));
  return job;
}

/** Worker threads started ahead of their files (see startCheckWorkers). */
export interface CheckWorkers {
  /** The same limits and planning as the check they are for (the catalog comes with the job). */
  readonly setup: { limits: GlobalLimits; plan: boolean };

  /** Makes the plan entries of the files the main thread checks, when it checks alone (see PlanWorker). */
  readonly planner?: PlanWorker;
  /** Hands the workers their job; resolves when every one is done (or has failed). */
  run(job: CheckWorkerJob, onChunk: (index: number, chunk: WireChunk) => void): Promise<void>;
  /** Ends the workers; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the worker threads a check of `fileCount` files would use, so that they load and
 * build their catalog while the main thread reads the files; undefined when there would
 * be none (few files, one core, or no worker script beside this module, as in the
 * single-file action bundle). `worker_threads` is loaded only here.
 *
 * When the main thread is to check alone (threadCount) and plan entries are wanted, on a
 * machine of two cores or more, a plan worker starts instead (see PlanWorker). Measured on
 * two cores, first check of 10,000 manifests (interleaved rounds, a busy machine): 5.8 →
 * 4.7 s, against the main thread planning too.
 */
export async function startCheckWorkers(setup: CheckWorkers["setup"], fileCount: number, options: { planLater?: boolean } = {}): Promise<CheckWorkers | undefined> {
  const script = fileCount >= PARALLEL_MIN_FILES ? workerScript("check-worker") : undefined;
  const threads = script ? Math.min(threadCount(), Math.ceil(fileCount / CHUNK_FILES)) : 1;
  if (!script || threads <= 1) {
    const planner = setup.plan && fileCount >= PARALLEL_MIN_FILES && availableParallelism() >= 2 ? planWorker((await import("node:worker_threads")).Worker, setup.limits, options.planLater !== true) : undefined;
    return planner && { setup, planner, run: async () => undefined, stop: () => planner.stop() };
  }
  const { Worker } = await import("node:worker_threads");
  const data: CheckWorkerData = { limits: setup.limits, plan: setup.plan };
  const workers: Worker[] = Array.from({ length: threads - 1 }, () => new Worker(script, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } }));
  // A worker that fails before its job is simply not counted on: the main thread redoes its share.
  const exited = new Set<Worker>();
  for (const w of workers) {
    w.on("error", () => undefined);
    w.on("exit", () => exited.add(w));
    // Waiting for a job does not keep the process alive (if reading the files fails, it ends).
    w.unref();
  }
  let stopped = false;
  return {
    setup,
    run(job, onChunk) {
      return Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (exited.has(worker)) return resolve();
              worker.ref();
              worker.on("message", (msg: CheckWorkerMessage) => {
                if (msg.type === "chunk") onChunk(msg.index, msg.chunk);
                else resolve(); // done, or an error: the main thread redoes whatever is missing
              });
              worker.on("error", () => resolve());
              worker.on("exit", () => resolve());
              worker.postMessage(job);
            }),
        ),
      ).then(() => undefined);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Puts a plan worker's entries in their files' results (wire and check alike). */
function withPlanned(results: readonly (FileResult[] | undefined)[], answers: readonly (PlanWorkerMessage & { type: "planned" })[]): void {
  for (const { index, entries, texts } of answers) {
    const chunk = results[index];
    let at = 0;
    for (let f = 0; f < entries.length; ) {
      const k = entries[f] as number;
      const invalid = entries[f + 1] === 1;
      const bytes = entries[f + 2] as number;
      const count = entries[f + 3] as number;
      // Copied by a builtin: this loop runs once per run, too briefly for V8 to optimize it.
      const toolIndexes = entries.slice(f + 4, f + 4 + count);
      f += 4 + count;
      const head = texts.subarray(at, at + bytes);
      at += bytes;
      const r = chunk?.[k];
      if (!r) continue;
      const entry: PlannedEntry = { invalid, toolIndexes, head };
      r.wire.planned = entry;
      r.checked.planned = entry;
    }
  }
}

/**
 * Parses and checks every manifest, on several threads when there are many files, cores
 * to spare (threadCount), and the worker script exists (not in a single-file bundle); undefined for fewer
 * than `minFiles` files, which the caller parses as usual and checks later.
 */
export async function checkManyManifests(input: ParallelCheckInput, minFiles = PARALLEL_MIN_FILES, started?: CheckWorkers): Promise<ParallelCheckResult | undefined> {
  const { files, disk } = input;
  if (files.length < minFiles) {
    await started?.stop();
    return undefined;
  }
  const setup = { limits: input.limits, plan: input.plan === true };
  // Workers started early are used only if they were set up for this very check, and only
  // for enough files to be worth threads.
  const fits = started !== undefined && files.length >= PARALLEL_MIN_FILES && started.setup.limits === setup.limits && started.setup.plan === setup.plan;
  if (started && !fits) await started.stop();
  // Not started ahead: files whose checks are stored may leave nothing to plan.
  const workers = fits ? started : files.length >= PARALLEL_MIN_FILES ? await startCheckWorkers(setup, files.length, { planLater: true }) : undefined;

  const counter = new Int32Array(new SharedArrayBuffer(4));
  const chunks = Math.ceil(files.length / CHUNK_FILES);
  const results: (FileResult[] | undefined)[] = new Array(chunks);
  // A file's bytes for reading it again later, if something asks (files on disk are not kept).
  const bytesFor = (i: number): FileBytes | (() => FileBytes) => (disk ? () => readDiskFile(disk.paths[i] as string) : (input.contents?.[i] ?? new Uint8Array()));
  const job = workerJob(input, counter);
  const reader = jobReader(job);
  const ctx = input.catalog ? { limits: input.limits, catalog: input.catalog } : { limits: input.limits };
  const plan = input.plan === true;
  const checkOne = (i: number) => unpackChunk(checkChunk(files, reader.bytesOf, i, i + 1, ctx, plan))[0] as WireCheck;
  const chunkFromWire = (index: number, chunk: WireChunk) =>
    unpackChunk(chunk).map((w, k) => {
      const i = index * CHUNK_FILES + k;
      const file = files[i] as string;
      // A file whose check is stored: that check, or (should it be gone) one made now.
      const stored = w.stored && w.key !== undefined ? disk?.stored?.(w.key, i, w.stamp) : undefined;
      const result: FileResult = fromWire(file, bytesFor(i), stored ?? (w.stored ? checkOne(i) : w), input.limits);
      if (w.key !== undefined) {
        result.key = w.key;
        result.reused = stored !== undefined;
      }
      if (w.stamp !== undefined) result.stamp = w.stamp;
      return result;
    });
  const running = workers?.run(job, (index, chunk) => (results[index] = chunkFromWire(index, chunk)));

  // The main thread takes its share while the workers start (or once `after` has settled, when they check too).
  const planner = plan ? workers?.planner : undefined;
  if (workers && !workers.planner) await input.after;
  planner?.begin(input.catalog);
  const checkHere = (index: number) => {
    const deferred: PlanItem[] | undefined = planner ? [] : undefined;
    const result = chunkFromWire(index, checkChunk(files, reader.bytesOf, index * CHUNK_FILES, Math.min(files.length, (index + 1) * CHUNK_FILES), ctx, plan, reader.keys, deferred));
    if (deferred && deferred.length > 0) planner?.plan(index, deferred);
    return result;
  };
  withPlainEnv(() => {
    for (let index = Atomics.add(counter, 0, 1); index < chunks; index = Atomics.add(counter, 0, 1)) results[index] = checkHere(index);
  });
  await running;
  // A worker that failed leaves holes: fill them here, so that failure costs time, not results.
  withPlainEnv(() => {
    for (let index = 0; index < chunks; index++) results[index] ??= checkHere(index);
  });
  if (planner) withPlanned(results, await planner.finish());
  await workers?.stop();

  const sources: ManifestSource[] = [];
  const checked: CheckedManifest[] = [];
  const wire: WireCheck[] = [];
  const keys: string[] = [];
  const reused: boolean[] = [];
  const stamps: (string | undefined)[] = [];
  for (const chunk of results) {
    for (const r of chunk ?? []) {
      sources.push(r.source);
      checked.push(r.checked);
      wire.push(r.wire);
      stamps.push(r.stamp);
      if (r.key !== undefined) {
        keys.push(r.key);
        reused.push(r.reused === true);
      }
    }
  }
  if (!disk?.keyed) return { sources, checked, wire };
  return disk.stamped ? { sources, checked, wire, keys, reused, stamps } : { sources, checked, wire, keys, reused };
}
