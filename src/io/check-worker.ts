/**
 * A worker thread of `checkManyManifests`. It starts with the limits and the catalog's
 * tool names (so it loads and builds its catalog while the main thread reads the files),
 * then receives its job: the files in shared memory and a shared counter. It claims
 * chunks of files from the counter, parses and checks each one exactly as the main thread
 * would, and posts the results of each chunk back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildCatalog, type CatalogFileInput } from "../core/catalog.js";
import type { CheckContext } from "../core/manifest-check.js";
import { checkChunk, jobReader, type CheckWorkerData, type CheckWorkerJob, type CheckWorkerMessage } from "./parallel-check.js";
import { withPlainEnv } from "./yaml-source.js";

function contextOf(data: CheckWorkerData): CheckContext {
  if (!data.catalogNames) return { limits: data.limits };
  // The same tools in the same order as the main thread's catalog, by name only.
  const inputs: CatalogFileInput[] = data.catalogNames.map(({ server, names }) => ({ server, file: server, data: names }));
  return { limits: data.limits, catalog: buildCatalog(inputs).catalog };
}

function run(data: CheckWorkerData, ctx: CheckContext, job: CheckWorkerJob, post: (msg: CheckWorkerMessage, transfer?: ArrayBuffer[]) => void): void {
  let checked = 0;
  const counter = new Int32Array(job.counter);
  const chunks = Math.ceil(job.files.length / job.chunkFiles);
  const { bytesOf, keys } = jobReader(job);
  withPlainEnv(() => {
    for (let index = Atomics.add(counter, 0, 1); index < chunks; index = Atomics.add(counter, 0, 1)) {
      const from = index * job.chunkFiles;
      const chunk = checkChunk(job.files, bytesOf, from, Math.min(job.files.length, from + job.chunkFiles), ctx, data.plan, keys);
      post({ type: "chunk", index, chunk }, [chunk.texts.buffer as ArrayBuffer]);
      for (const r of chunk.results) if (!r.stored) checked++;
    }
  });
  // For the tests that make sure the threads really ran.
  if (process.env.APPRENTICE_TOOLS_REPORT_THREADS === "1") process.stderr.write(`apprentice-tools: a worker thread checked ${checked} of ${job.files.length} files.\n`);
}

if (parentPort) {
  const port = parentPort;
  const data = workerData as CheckWorkerData;
  const fail = (err: unknown) => port.postMessage({ type: "error", message: String((err as Error)?.stack ?? err) } satisfies CheckWorkerMessage);
  let ctx: CheckContext | undefined;
  try {
    ctx = withPlainEnv(() => contextOf(data));
  } catch (err) {
    ctx = undefined;
    port.once("message", () => fail(err));
  }
  if (ctx) {
    const ready = ctx;
    port.once("message", (job: CheckWorkerJob) => {
      try {
        run(data, ready, job, (m, transfer) => port.postMessage(m, transfer));
        port.postMessage({ type: "done" } satisfies CheckWorkerMessage);
      } catch (err) {
        fail(err);
      }
    });
  }
}
