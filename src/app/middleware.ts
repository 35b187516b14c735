import type { IncomingMessage, ServerResponse } from "node:http";
import { createNodeMiddleware, type ApplicationFunction, type Probot } from "probot";
import { DEFAULT_WEBHOOK_PATH } from "./server-env.js";

export const HEALTH_PATH = "/health";

/** A Node request handler: true when it answered, false when it called `next` (or would have). */
export type AppMiddleware = (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<boolean>;

export interface MiddlewareOptions {
  /** A configured probot (app credentials, webhook secret, API base, Octokit). */
  probot: Probot;
  /** The app: `createApp()` from ./index.js. */
  app: ApplicationFunction;
  webhooksPath?: string;
}

/**
 * The app as one Node request handler, for any Node host: this repository's server
 * (server.ts), a serverless function, or a route in an existing Express/Fastify app.
 *
 * - `POST {webhooksPath}`: webhooks, signature checked against the probot's secret
 *   (401 when it does not match), answered once the handlers finish (202 after 9 s,
 *   while they go on);
 * - `GET|HEAD /health`: 200 `{"status":"ok"}`, for load balancers. The app holds no state
 *   of its own, so being able to answer is being healthy;
 * - anything else: `next()` (or false without one).
 *
 * ```ts
 * // e.g. a serverless function (any host that hands over Node's req/res)
 * const probot = new Probot({ appId, privateKey, secret, Octokit: botOctokit() });
 * const handle = await createAppMiddleware({ probot, app: createApp() });
 * export default (req, res) => handle(req, res, () => res.writeHead(404).end());
 * ```
 */
export async function createAppMiddleware(options: MiddlewareOptions): Promise<AppMiddleware> {
  const webhooks = await createNodeMiddleware(options.app, { probot: options.probot, webhooksPath: options.webhooksPath ?? DEFAULT_WEBHOOK_PATH });
  return async (req, res, next) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === HEALTH_PATH && (req.method === "GET" || req.method === "HEAD")) {
      const body = JSON.stringify({ status: "ok" });
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(body) });
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    }
    return (await webhooks(req, res, next)) === true;
  };
}
