import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Catalog } from "../core/catalog.js";
import type { GlobalLimits } from "../core/config-schema.js";
import type { Finding } from "../core/finding.js";
import type { Locator } from "../core/locator.js";
import { checkManifest, type CheckedManifest, type ManifestSource } from "../core/manifest-check.js";
import type { Manifest } from "../core/manifest-schema.js";
import type { CatalogText } from "./catalog-files.js";
import { manifestSourceFromBytes, stemOf } from "./manifest-source.js";
import { withPlainEnv } from "./yaml-source.js";

/**
 * Parsing a manifest with positions costs about a millisecond, so a repository of many
 * manifests is parsed and checked (rules 1–10, per file) on every core: the main thread
 * and worker threads claim chunks of files from a shared counter until none are left,
 * and the results are put back in file order, so the outcome does not depend on which
 * thread did what. Each file is checked right after it is parsed and its YAML document
 * dropped, so memory holds bytes and results, not ten thousand syntax trees (which also
 * spares the garbage collector). Below this many files none of this pays for itself.
 */
export const PARALLEL_MIN_FILES = 500;
const CHUNK_FILES = 64;

/** What a worker needs to check its share exactly as the main thread would. */
export interface CheckWorkerData {
  files: string[];
  /** Every file's bytes, one after the other, in shared memory; file i is bytes[offsets[i]..offsets[i+1]). */
  bytes: SharedArrayBuffer;
  offsets: SharedArrayBuffer;
  /** The next chunk to claim (an Int32 incremented atomically). */
  counter: SharedArrayBuffer;
  chunkFiles: number;
  limits: GlobalLimits;
  /** The catalog files' texts, or null when the check has no catalog. */
  catalogTexts: CatalogText[] | null;
}

/** One file's outcome as it crosses the thread boundary (the locator stays behind). */
export interface WireCheck {
  manifest?: Manifest;
  findings: Finding[];
  sourceFindings: Finding[];
}

export type CheckWorkerMessage = { type: "chunk"; index: number; results: WireCheck[] } | { type: "done" } | { type: "error"; message: string };

export interface ParallelCheckInput {
  files: readonly string[];
  contents: readonly Uint8Array[];
  limits: GlobalLimits;
  /** The main thread's catalog; workers build the same one from `catalogTexts`. */
  catalog?: Catalog;
  catalogTexts: CatalogText[];
}

export interface ParallelCheckResult {
  sources: ManifestSource[];
  checked: CheckedManifest[];
  /** The same results as plain data (what a cache stores). */
  wire: WireCheck[];
}

type FileResult = { source: ManifestSource; checked: CheckedManifest; wire: WireCheck };

/** How many threads to use (the main one included): `APPRENTICE_TOOLS_THREADS`, else every core. */
function threadCount(): number {
  const asked = Number(process.env.APPRENTICE_TOOLS_THREADS);
  return Number.isInteger(asked) && asked >= 1 ? asked : availableParallelism();
}

/** The worker's script next to this module (`.js` when built, `.ts` under tsx), if it exists. */
function workerScript(): URL | undefined {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const url = new URL(`./check-worker${ext}`, import.meta.url);
  return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * A source whose YAML is parsed again only if something asks for its data or a place in
 * it (a finding made after the check, such as a duplicate type). The worker that checked
 * it already placed every finding of its own.
 */
function lazySource(file: string, stem: string, bytes: Uint8Array, findings: Finding[]): ManifestSource {
  let parsed: ManifestSource | undefined;
  const full = () => (parsed ??= manifestSourceFromBytes(file, bytes));
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

function checkOne(file: string, bytes: Uint8Array, ctx: { limits: GlobalLimits; catalog?: Catalog }): FileResult {
  const full = manifestSourceFromBytes(file, bytes);
  const checked = checkManifest(full, ctx);
  const wire: WireCheck = { findings: checked.findings, sourceFindings: full.findings };
  if (checked.manifest) wire.manifest = checked.manifest;
  return fromWire(file, bytes, wire);
}

/** A file's results with a source that keeps only what a later question needs: the bytes, not the parsed document. */
export function fromWire(file: string, bytes: Uint8Array, wire: WireCheck): FileResult {
  const source = lazySource(file, stemOf(file), bytes, wire.sourceFindings);
  const checked: CheckedManifest = { file, stem: source.stem, findings: wire.findings, locate: source.locate };
  if (wire.manifest) checked.manifest = wire.manifest;
  return { source, checked, wire };
}

/** Copies every file's bytes into shared memory once, for all workers to read. */
function workerData(input: ParallelCheckInput, counter: Int32Array): CheckWorkerData {
  const { files, contents } = input;
  const offsets = new Int32Array(new SharedArrayBuffer(4 * (files.length + 1)));
  let total = 0;
  contents.forEach((c, i) => {
    offsets[i] = total;
    total += c.byteLength;
  });
  offsets[files.length] = total;
  const bytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)));
  contents.forEach((c, i) => bytes.set(c, offsets[i]));
  return {
    files: [...files],
    bytes: bytes.buffer as SharedArrayBuffer,
    offsets: offsets.buffer as SharedArrayBuffer,
    counter: counter.buffer as SharedArrayBuffer,
    chunkFiles: CHUNK_FILES,
    limits: input.limits,
    catalogTexts: input.catalog ? input.catalogTexts : null,
  };
}

function startWorkers(script: URL, count: number, data: CheckWorkerData, onChunk: (index: number, wire: WireCheck[]) => void): { worker: Worker; finished: Promise<void> }[] {
  return Array.from({ length: count }, () => {
    const worker = new Worker(script, { workerData: data });
    const finished = new Promise<void>((resolve) => {
      worker.on("message", (msg: CheckWorkerMessage) => {
        if (msg.type === "chunk") onChunk(msg.index, msg.results);
        else resolve(); // done, or an error: the main thread redoes whatever is missing
      });
      worker.on("error", () => resolve());
      worker.on("exit", () => resolve());
    });
    return { worker, finished };
  });
}

/**
 * Parses and checks every manifest, on all cores when there are many files, more than one
 * core, and the worker script exists (not in a single-file bundle); undefined for fewer
 * than `minFiles` files, which the caller parses as usual and checks later.
 */
export async function checkManyManifests(input: ParallelCheckInput, minFiles = PARALLEL_MIN_FILES): Promise<ParallelCheckResult | undefined> {
  const { files, contents } = input;
  if (files.length < minFiles) return undefined;
  const script = files.length >= PARALLEL_MIN_FILES ? workerScript() : undefined;
  const threads = script ? Math.min(threadCount(), Math.ceil(files.length / CHUNK_FILES)) : 1;

  const counter = new Int32Array(new SharedArrayBuffer(4));
  const chunks = Math.ceil(files.length / CHUNK_FILES);
  const results: (FileResult[] | undefined)[] = new Array(chunks);
  const chunkFromWire = (index: number, wire: WireCheck[]) =>
    wire.map((w, k) => {
      const i = index * CHUNK_FILES + k;
      return fromWire(files[i] as string, contents[i] as Uint8Array, w);
    });
  const workers = script && threads > 1 ? startWorkers(script, threads - 1, workerData(input, counter), (index, wire) => (results[index] = chunkFromWire(index, wire))) : [];

  // The main thread takes its share while the workers start.
  const ctx = input.catalog ? { limits: input.limits, catalog: input.catalog } : { limits: input.limits };
  const checkChunk = (index: number) => {
    const out: FileResult[] = [];
    for (let i = index * CHUNK_FILES; i < Math.min(files.length, (index + 1) * CHUNK_FILES); i++) out.push(checkOne(files[i] as string, contents[i] as Uint8Array, ctx));
    return out;
  };
  withPlainEnv(() => {
    for (let index = Atomics.add(counter, 0, 1); index < chunks; index = Atomics.add(counter, 0, 1)) results[index] = checkChunk(index);
  });
  await Promise.all(workers.map((w) => w.finished));
  await Promise.all(workers.map((w) => w.worker.terminate()));
  // A worker that failed leaves holes: fill them here, so that failure costs time, not results.
  withPlainEnv(() => {
    for (let index = 0; index < chunks; index++) results[index] ??= checkChunk(index);
  });

  const sources: ManifestSource[] = [];
  const checked: CheckedManifest[] = [];
  const wire: WireCheck[] = [];
  for (const chunk of results) {
    for (const r of chunk ?? []) {
      sources.push(r.source);
      checked.push(r.checked);
      wire.push(r.wire);
    }
  }
  return { sources, checked, wire };
}
