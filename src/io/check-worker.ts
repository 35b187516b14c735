/**
 * A worker thread of `checkManifestsInParallel`: claims chunks of manifest files from the
 * shared counter, parses and checks each one exactly as the main thread would, and posts
 * the results of each chunk back. Its catalog holds the same tools, by name only.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildCatalog, type CatalogFileInput } from "../core/catalog.js";
import type { CheckContext } from "../core/manifest-check.js";
import { checkChunk, type CheckWorkerData, type CheckWorkerMessage } from "./parallel-check.js";
import { withPlainEnv } from "./yaml-source.js";

function run(data: CheckWorkerData, post: (msg: CheckWorkerMessage, transfer?: ArrayBuffer[]) => void): void {
  let checked = 0;
  const bytes = new Uint8Array(data.bytes);
  const offsets = new Int32Array(data.offsets);
  const counter = new Int32Array(data.counter);
  const chunks = Math.ceil(data.files.length / data.chunkFiles);
  withPlainEnv(() => {
    let ctx: CheckContext = { limits: data.limits };
    if (data.catalogNames) {
      const inputs: CatalogFileInput[] = data.catalogNames.map(({ server, names }) => ({ server, file: server, data: names }));
      ctx = { limits: data.limits, catalog: buildCatalog(inputs).catalog };
    }
    // slice() copies out of shared memory: TextDecoder does not read shared buffers.
    const bytesOf = (i: number) => bytes.slice(offsets[i], offsets[i + 1]);
    for (let index = Atomics.add(counter, 0, 1); index < chunks; index = Atomics.add(counter, 0, 1)) {
      const from = index * data.chunkFiles;
      const chunk = checkChunk(data.files, bytesOf, from, Math.min(data.files.length, from + data.chunkFiles), ctx, data.plan);
      post({ type: "chunk", index, chunk }, [chunk.texts.buffer as ArrayBuffer]);
      checked += chunk.results.length;
    }
  });
  // For the tests that make sure the threads really ran.
  if (process.env.APPRENTICE_TOOLS_REPORT_THREADS === "1") process.stderr.write(`apprentice-tools: a worker thread checked ${checked} of ${data.files.length} files.\n`);
  post({ type: "done" });
}

if (parentPort) {
  const port = parentPort;
  try {
    run(workerData as CheckWorkerData, (msg, transfer) => port.postMessage(msg, transfer));
  } catch (err) {
    port.postMessage({ type: "error", message: String((err as Error)?.stack ?? err) } satisfies CheckWorkerMessage);
  }
}
