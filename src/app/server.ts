import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Probot, type ApplicationFunction } from "probot";
import { createApp } from "./index.js";
import { createAppMiddleware } from "./middleware.js";
import { botOctokit } from "./octokit.js";
import { readServerEnv, type ServerConfig } from "./server-env.js";

/**
 * The app as a GitHub App server: `npm run start:app` (node build/src/app/server.js, which
 * `npm ci` compiles through `prepare`). Environment: see .env.example and docs/bot.md.
 */

export interface RunningServer {
  /** `http://HOST:PORT` as bound (the real port when PORT=0). */
  url: string;
  port: number;
  probot: Probot;
  /** Stops accepting connections and resolves once the requests in flight are answered. */
  close(): Promise<void>;
}

/** A probot for a GitHub App: app credentials, webhook secret, API base, and our Octokit. */
export function probotFor(config: ServerConfig): Probot {
  return new Probot({
    appId: config.appId,
    privateKey: config.privateKey,
    secret: config.webhookSecret,
    logLevel: config.logLevel,
    logFormat: config.logFormat,
    Octokit: botOctokit({ pacing: config.pacing }),
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
  });
}

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((done, fail) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const where = `${host ?? "every interface"}, port ${port}`;
      if (error.code === "EADDRINUSE") fail(new Error(`Port ${port} is already in use (${where}): set PORT to a free port.`));
      else if (error.code === "EACCES") fail(new Error(`Not allowed to listen on ${where}: set PORT to 1024 or above, or run with the right to bind it.`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") fail(new Error(`HOST ${host ?? ""} is not an address of this machine: unset HOST to listen everywhere, or set it to 127.0.0.1.`));
      else fail(error);
    });
    server.listen(port, host, () => done());
  });
}

/** Starts the HTTP server: webhooks, `/health`, and 404 for everything else. */
export async function startServer(config: ServerConfig, options: { app?: ApplicationFunction } = {}): Promise<RunningServer> {
  const probot = probotFor(config);
  const handle = await createAppMiddleware({ probot, app: options.app ?? createApp(), webhooksPath: config.webhookPath });
  const server = createServer((req, res) => {
    const notFound = () => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `Not found: ${req.method ?? "GET"} ${new URL(req.url ?? "/", "http://localhost").pathname}. Webhooks go to POST ${config.webhookPath}.` }));
    };
    handle(req, res, notFound).catch((error: unknown) => {
      probot.log.error(error, "request failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await listen(server, config.port, config.host);
  const { port, address, family } = server.address() as AddressInfo;
  const shownHost = config.host ?? "localhost";
  const url = `http://${family === "IPv6" && config.host ? `[${address}]` : shownHost}:${port}`;
  probot.log.info(`apprentice-tools app ${config.appId} listening on ${url} (webhooks: POST ${config.webhookPath}, health: GET /health)`);
  return {
    url,
    port,
    probot,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeIdleConnections();
      }),
  };
}

/** The command: reads `.env` when present, checks the environment, starts, stops on SIGTERM. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const checked = readServerEnv(env);
  if (!checked.ok) {
    process.stderr.write(
      `apprentice-tools app: cannot start, ${checked.problems.length === 1 ? "one setting needs" : `${checked.problems.length} settings need`} attention:\n` +
        checked.problems.map((p) => `  - ${p}\n`).join("") +
        "Every variable is listed in .env.example; docs/bot.md explains how to register the GitHub App.\n",
    );
    return 1;
  }
  let running: RunningServer;
  try {
    running = await startServer(checked.config);
  } catch (error) {
    process.stderr.write(`apprentice-tools app: cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const stop = (signal: string) => {
    running.probot.log.info(`${signal}: finishing the webhooks in flight, then stopping`);
    // A replica being replaced finishes what it started; GitHub redelivers what it never answered.
    const force = setTimeout(() => process.exit(0), 25_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Like probot's own runner, a local .env is read (variables already set win over it).
  let code = 0;
  try {
    if (existsSync(".env")) process.loadEnvFile(".env");
  } catch (error) {
    process.stderr.write(`apprentice-tools app: cannot read .env in ${process.cwd()}: ${error instanceof Error ? error.message : String(error)}. Fix or remove it (.env.example shows the format).\n`);
    code = 1;
  }
  if (code === 0) code = await main();
  if (code !== 0) process.exitCode = code;
}
