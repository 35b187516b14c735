/**
 * A worker thread that loads the tokenizer as soon as it starts, then counts the tokens of
 * the tool definitions it is sent (`TokenWorkerJob`) and posts the counts back, while the
 * checking threads work: the plan that usually follows a first check then finds every
 * estimate made. It is started before the catalog is parsed, so that it loads meanwhile,
 * and lives only as long as the count: the tokenizer's tables are gone with it.
 */
import { parentPort } from "node:worker_threads";
import { loadTokenCounter } from "./tokenizer.js";

/** The definitions to count, sent once. */
export interface TokenWorkerJob {
  definitions: string[];
}

/** Each definition's count, in order; or an error's message (the plan then counts them itself). */
export type TokenWorkerMessage = { counts: number[] } | { error: string };

if (parentPort) {
  const port = parentPort;
  const loading = loadTokenCounter();
  // A failure to load is reported when there is something to count.
  loading.catch(() => undefined);
  port.once("message", (job: TokenWorkerJob) => {
    loading
      .then((count) => port.postMessage({ counts: job.definitions.map((text) => count(text)) } satisfies TokenWorkerMessage))
      .catch((err: unknown) => port.postMessage({ error: String(err) } satisfies TokenWorkerMessage));
  });
}
