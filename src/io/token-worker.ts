/**
 * A worker thread that counts the tokens of tool definitions (workerData: `TokenWorkerData`)
 * and posts the counts back, while the checking threads start: the plan that usually
 * follows a first check then finds every estimate made. It lives only as long as the
 * count: the tokenizer's tables are gone with it.
 */
import { parentPort, workerData } from "node:worker_threads";
import { loadTokenCounter } from "./tokenizer.js";

export interface TokenWorkerData {
  definitions: string[];
}

/** Each definition's count, in order; or an error's message (the plan then counts them itself). */
export type TokenWorkerMessage = { counts: number[] } | { error: string };

if (parentPort) {
  const port = parentPort;
  const { definitions } = workerData as TokenWorkerData;
  loadTokenCounter()
    .then((count) => port.postMessage({ counts: definitions.map((text) => count(text)) } satisfies TokenWorkerMessage))
    .catch((err: unknown) => port.postMessage({ error: String(err) } satisfies TokenWorkerMessage));
}
