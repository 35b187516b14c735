/**
 * A worker thread of `checkManifestsInParallel`: claims chunks of manifest files from the
 * shared counter, parses and checks each one exactly as the main thread would, and posts
 * the results of each chunk back. Its catalog is built from the same catalog texts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildCatalog, type CatalogFileInput } from "../core/catalog.js";
import type { CheckContext } from "../core/manifest-check.js";
import { catalogInputFrom } from "./catalog-files.js";
import { checkFileToWire, type CheckWorkerData, type CheckWorkerMessage, type WireCheck } from "./parallel-check.js";
import { withPlainEnv } from "./yaml-source.js";

function run(data: CheckWorkerData, post: (msg: CheckWorkerMessage) => void): void {
  let checked = 0;
  const bytes = new Uint8Array(data.bytes);
  const offsets = new Int32Array(data.offsets);
  const counter = new Int32Array(data.counter);
  const chunks = Math.ceil(data.files.length / data.chunkFiles);
  withPlainEnv(() => {
    let ctx: CheckContext = { limits: data.limits };
    if (data.catalogTexts) {
      const inputs: CatalogFileInput[] = [];
      for (const text of data.catalogTexts) {
        const r = catalogInputFrom(text);
        if ("input" in r) inputs.push(r.input);
      }
      ctx = { limits: data.limits, catalog: buildCatalog(inputs).catalog };
    }
    for (let index = Atomics.add(counter, 0, 1); index < chunks; index = Atomics.add(counter, 0, 1)) {
      const results: WireCheck[] = [];
      for (let i = index * data.chunkFiles; i < Math.min(data.files.length, (index + 1) * data.chunkFiles); i++) {
        // slice() copies out of shared memory: TextDecoder does not read shared buffers.
        results.push(checkFileToWire(data.files[i] as string, bytes.slice(offsets[i], offsets[i + 1]), ctx, data.plan));
      }
      post({ type: "chunk", index, results });
      checked += results.length;
    }
  });
  // For the tests that make sure the threads really ran.
  if (process.env.APPRENTICE_TOOLS_REPORT_THREADS === "1") process.stderr.write(`apprentice-tools: a worker thread checked ${checked} of ${data.files.length} files.\n`);
  post({ type: "done" });
}

if (parentPort) {
  const port = parentPort;
  try {
    run(workerData as CheckWorkerData, (msg) => port.postMessage(msg));
  } catch (err) {
    port.postMessage({ type: "error", message: String((err as Error)?.stack ?? err) } satisfies CheckWorkerMessage);
  }
}
