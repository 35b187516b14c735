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
}

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

function checkOne(file: string, bytes: Uint8Array, ctx: { limits: GlobalLimits; catalog?: Catalog }): { source: ManifestSource; checked: CheckedManifest } {
  const full = manifestSourceFromBytes(file, bytes);
  const checked = checkManifest(full, ctx);
  // Keep only what a later question needs: the bytes, not the parsed document.
  const source = lazySource(file, full.stem, bytes, full.findings);
  return { source, checked: { ...checked, locate: source.locate } };
}

/**
 * Parses and checks every manifest, on all cores when there is more than one and the
 * worker script exists (not in a single-file bundle); undefined for fewer than
 * `PARALLEL_MIN_FILES` files, which the caller parses as usual and checks later.
 */
export async function checkManyManifests(input: ParallelCheckInput): Promise<ParallelCheckResult | undefined> {
  const { files, contents } = input;
  if (files.length < PARALLEL_MIN_FILES) return undefined;
  const script = workerScript();
  const threads = script ? Math.min(threadCount(), Math.ceil(files.length / CHUNK_FILES)) : 1;

  const offsets = new Int32Array(new SharedArrayBuffer(4 * (files.length + 1)));
  let total = 0;
  contents.forEach((c, i) => {
    offsets[i] = total;
    total += c.byteLength;
  });
  offsets[files.length] = total;
  const bytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, total)));
  contents.forEach((c, i) => bytes.set(c, offsets[i]));
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const chunks = Math.ceil(files.length / CHUNK_FILES);
  const results: ({ source: ManifestSource; checked: CheckedManifest }[] | undefined)[] = new Array(chunks);

  const data: CheckWorkerData = {
    files: [...files],
    bytes: bytes.buffer as SharedArrayBuffer,
    offsets: offsets.buffer as SharedArrayBuffer,
    counter: counter.buffer as SharedArrayBuffer,
    chunkFiles: CHUNK_FILES,
    limits: input.limits,
    catalogTexts: input.catalog ? input.catalogTexts : null,
  };
  const fromWire = (index: number, wire: WireCheck[]) =>
    wire.map((w, k) => {
      const i = index * CHUNK_FILES + k;
      const file = files[i] as string;
      const source = lazySource(file, stemOf(file), contents[i] as Uint8Array, w.sourceFindings);
      const checked: CheckedManifest = { file, stem: source.stem, findings: w.findings, locate: source.locate };
      if (w.manifest) checked.manifest = w.manifest;
      return { source, checked };
    });

  const workers = Array.from({ length: script ? threads - 1 : 0 }, () => {
    const worker = new Worker(script as URL, { workerData: data });
    const finished = new Promise<void>((resolve) => {
      worker.on("message", (msg: CheckWorkerMessage) => {
        if (msg.type === "chunk") results[msg.index] = fromWire(msg.index, msg.results);
        else resolve(); // done, or an error: the main thread redoes whatever is missing
      });
      worker.on("error", () => resolve());
      worker.on("exit", () => resolve());
    });
    return { worker, finished };
  });

  // The main thread takes its share while the workers start.
  const ctx = input.catalog ? { limits: input.limits, catalog: input.catalog } : { limits: input.limits };
  const checkChunk = (index: number) => {
    const out: { source: ManifestSource; checked: CheckedManifest }[] = [];
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
  for (const chunk of results) {
    for (const r of chunk ?? []) {
      sources.push(r.source);
      checked.push(r.checked);
    }
  }
  return { sources, checked };
}
