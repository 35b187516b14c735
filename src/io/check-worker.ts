/**
 * A worker thread of `checkManyManifests`. It starts with the limits (so that it loads its
 * code while the main thread reads the catalog and lists the files), then receives its
 * job: the catalog's tool names, the files (in shared memory or on disk) and a shared
 * counter. It builds its catalog from the names, claims chunks of files from the counter,
 * parses and checks each one exactly as the main thread would, and posts the results of
 * each chunk back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { checkChunk, jobReader, namesContext, type CheckWorkerData, type CheckWorkerJob, type CheckWorkerMessage } from "./parallel-check.js";
import { withPlainEnv } from "./yaml-source.js";

function run(data: CheckWorkerData, job: CheckWorkerJob, post: (msg: CheckWorkerMessage, transfer?: ArrayBuffer[]) => void): void {
  let checked = 0;
  const counter = new Int32Array(job.counter);
  const chunks = Math.ceil(job.files.length / job.chunkFiles);
  const { bytesOf, keys } = jobReader(job);
  withPlainEnv(() => {
    const ctx = namesContext(data.limits, job.catalogNames);
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
  port.once("message", (job: CheckWorkerJob) => {
    try {
      run(data, job, (m, transfer) => port.postMessage(m, transfer));
      port.postMessage({ type: "done" } satisfies CheckWorkerMessage);
    } catch (err) {
      port.postMessage({ type: "error", message: String((err as Error)?.stack ?? err) } satisfies CheckWorkerMessage);
    }
  });
}
