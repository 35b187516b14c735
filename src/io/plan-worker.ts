/**
 * The plan worker of `checkManyManifests` (see PlanWorker): it starts with the limits, so
 * that it loads its code while the main thread reads the catalog, then receives the
 * catalog's tool names and, chunk by chunk, the manifests the main thread has checked; it
 * provisions each one, writes its plan entry's JSON head and posts each chunk's entries
 * back, in the order they came.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { CheckContext } from "../core/manifest-check.js";
import { namesContext, planChunk, type PlanWorkerData, type PlanWorkerJob, type PlanWorkerMessage } from "./parallel-check.js";

if (parentPort) {
  const port = parentPort;
  const { limits } = workerData as PlanWorkerData;
  let ctx: CheckContext = { limits };
  let planned = 0;
  port.on("message", (job: PlanWorkerJob) => {
    try {
      if (job.type === "catalog") ctx = namesContext(limits, job.catalogNames);
      else if (job.type === "plan") {
        const answer = planChunk(job.index, job.items, ctx);
        planned += job.items.length;
        port.postMessage(answer satisfies PlanWorkerMessage, [answer.texts.buffer as ArrayBuffer]);
      } else {
        // For the tests that make sure the thread really ran.
        if (process.env.APPRENTICE_TOOLS_REPORT_THREADS === "1") process.stderr.write(`apprentice-tools: a plan worker made ${planned} plan entries.\n`);
        port.postMessage({ type: "done" } satisfies PlanWorkerMessage);
      }
    } catch (err) {
      port.postMessage({ type: "error", message: String((err as Error)?.stack ?? err) } satisfies PlanWorkerMessage);
    }
  });
}
