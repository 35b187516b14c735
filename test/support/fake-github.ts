import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DOCS_URL, HttpError, httpError, matchRoute, type Links, type Reply, type Route } from "./fake-github/router.js";
import { FakeGitHubState, type FakeStateOptions } from "./fake-github/state.js";
import { issueRoutes } from "./fake-github/routes-issues.js";
import { contentRoutes } from "./fake-github/routes-contents.js";
import { gitRoutes } from "./fake-github/routes-git.js";
import { pullRoutes } from "./fake-github/routes-pulls.js";
import { appRoutes } from "./fake-github/routes-app.js";

export { FakeGitHubState } from "./fake-github/state.js";
export type { FakeComment, FakeIssue, FakeLabel, FakePull, FakeUser, SeedComment, SeedIssue, StateReason } from "./fake-github/state.js";
export type { FakeCommit, FileChanges } from "./fake-github/git-store.js";

export interface FakeGitHubOptions extends FakeStateOptions {
  /** Every write answers 403 "Resource not accessible by integration", like a fork PR's token. */
  readOnly?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Without the `/api/v3` prefix and without the query string. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** The status the fake answered. */
  status: number;
}

export interface FailureMatch {
  method?: string;
  /** Tested against the request path (no `/api/v3` prefix, no query string). */
  path: RegExp;
}

export interface FailureResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:PORT`; the same API also answers under `${url}/api/v3` (GitHub Enterprise Server style). */
  url: string;
  /** `http://127.0.0.1:PORT/api/v3` */
  apiV3Url: string;
  state: FakeGitHubState;
  requests: RecordedRequest[];
  /** `"METHOD /path"` of every request to an endpoint the fake does not implement (answered 501). */
  unhandled: string[];
  /** Can be switched during a test. */
  readOnly: boolean;
  /** The next `times` requests matching `match` get `response` instead of being handled (no state change). */
  failNext(match: FailureMatch, response: FailureResponse, times?: number): void;
  close(): Promise<void>;
}

/** GitHub's secondary rate limit answer (probot's throttling retries after `retry-after`). */
export function secondaryRateLimit(retryAfterSeconds = 1): FailureResponse {
  return {
    status: 403,
    body: {
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      documentation_url: "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    },
    headers: { "retry-after": String(retryAfterSeconds) },
  };
}

const ROUTES: readonly Route[] = [...appRoutes, ...issueRoutes, ...contentRoutes, ...gitRoutes, ...pullRoutes];
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);
const ENTERPRISE_PREFIX = "/api/v3";

/** A stateful fake of GitHub's REST API for one repository, on a real loopback port. */
export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const state = new FakeGitHubState(options);
  const requests: RecordedRequest[] = [];
  const unhandled: string[] = [];
  const failures: Array<{ match: FailureMatch; response: FailureResponse; remaining: number }> = [];
  let origin = "";

  const fake: FakeGitHub = {
    url: "",
    apiV3Url: "",
    state,
    requests,
    unhandled,
    readOnly: options.readOnly ?? false,
    failNext(match, response, times = 1) {
      failures.push({ match, response, remaining: times });
    },
    close: async () => {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };

  function takeFailure(method: string, path: string): FailureResponse | undefined {
    const index = failures.findIndex(({ match }) => {
      match.path.lastIndex = 0;
      return (match.method === undefined || match.method.toUpperCase() === method) && match.path.test(path);
    });
    const failure = failures[index];
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) failures.splice(index, 1);
    return failure.response;
  }

  function answer(method: string, path: string, prefix: string, query: URLSearchParams, body: unknown, headers: IncomingHttpHeaders): Reply {
    const failure = takeFailure(method, path);
    if (failure) return { status: failure.status, body: failure.body, headers: failure.headers ?? {} };
    const matched = matchRoute(ROUTES, method, path);
    if (!matched) {
      unhandled.push(`${method} ${path}`);
      return { status: 501, body: { message: `fake GitHub does not implement ${method} ${path}`, documentation_url: DOCS_URL } };
    }
    const { owner, repo } = matched.params;
    if (owner !== undefined && (owner.toLowerCase() !== state.owner.toLowerCase() || repo?.toLowerCase() !== state.repo.toLowerCase())) {
      throw httpError(404, "Not Found");
    }
    const isTokenRequest = /^\/app\/installations\/\d+\/access_tokens$/.test(path);
    if (fake.readOnly && WRITE_METHODS.has(method) && !isTokenRequest) {
      throw httpError(403, "Resource not accessible by integration");
    }
    const api = `${origin}${prefix}`;
    const links: Links = { api, html: origin, repoApi: `${api}/repos/${state.owner}/${state.repo}`, repoHtml: `${origin}/${state.owner}/${state.repo}` };
    return matched.route.handler({ method, path, params: matched.params, query, body, headers, state, links });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", origin);
    let path = url.pathname;
    let prefix = "";
    if (path === ENTERPRISE_PREFIX || path.startsWith(`${ENTERPRISE_PREFIX}/`)) {
      prefix = ENTERPRISE_PREFIX;
      path = path.slice(ENTERPRISE_PREFIX.length);
    }
    path = path.replace(/\/+$/, "") || "/";
    const record: RecordedRequest = { method, path, query: Object.fromEntries(url.searchParams), body: undefined, headers: req.headers, status: 0 };
    requests.push(record);
    let reply: Reply;
    try {
      record.body = raw === "" ? undefined : JSON.parse(raw);
      reply = answer(method, path, prefix, url.searchParams, record.body, req.headers);
    } catch (error) {
      if (error instanceof HttpError) reply = { status: error.status, body: error.body, headers: error.headers };
      else if (error instanceof SyntaxError && record.body === undefined && raw !== "") reply = { status: 400, body: { message: "Problems parsing JSON", documentation_url: DOCS_URL } };
      else {
        unhandled.push(`${method} ${path} (fake GitHub crashed: ${String(error)})`);
        reply = { status: 500, body: { message: `fake GitHub crashed: ${String(error)}` } };
      }
    }
    record.status = reply.status;
    send(res, reply, requests.length);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      unhandled.push(`${req.method ?? "?"} ${req.url ?? "?"} (fake GitHub crashed: ${String(error)})`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  fake.url = origin;
  fake.apiV3Url = `${origin}${ENTERPRISE_PREFIX}`;
  return fake;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, reply: Reply, requestNumber: number): void {
  const headers: Record<string, string> = {
    "x-github-request-id": `FAKE:${requestNumber}`,
    "x-github-media-type": "github.v3; format=json",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
  };
  let payload: string | undefined;
  if (reply.raw !== undefined) {
    payload = reply.raw;
  } else if (reply.body !== undefined && reply.status !== 204) {
    headers["content-type"] = "application/json; charset=utf-8";
    payload = JSON.stringify(reply.body);
  }
  Object.assign(headers, reply.headers ?? {});
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}
