import nock from "nock";
import { getOctokit } from "@actions/github";

/**
 * The one place unit tests mock GitHub over HTTP.
 *
 *   const github = withGitHubMock();
 *   github.get("/repos/o/r/issues/1").reply(200, {...});
 *   afterEach(assertAllMocksUsed);
 *
 * Real network is refused except loopback (so the fake GitHub server still works).
 * Caution: `getOctokit()` from `@actions/github` sends through the `undici` package's
 * own fetch, which nock cannot see (the request would go to the real network); build
 * the client with `mockedOctokit()` or pass `request: { fetch: globalThis.fetch }`.
 */

const unmatched: string[] = [];
let listening = false;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

interface RequestLike {
  method?: string;
  path?: string;
  host?: string;
  hostname?: string;
  proto?: string;
}

/** nock emits `(options)` when no interceptor exists for the host, `(req, options, body)` when none matches. */
function recordUnmatched(...args: unknown[]): void {
  const first = (args[0] ?? {}) as RequestLike;
  const options = (args[1] ?? args[0] ?? {}) as RequestLike;
  const host = options.host ?? options.hostname ?? first.host ?? "?";
  const hostname = options.hostname ?? host.replace(/:\d+$/, "");
  if (LOOPBACK.has(hostname)) return;
  const method = (options.method ?? first.method ?? "GET").toUpperCase();
  const path = options.path ?? first.path ?? "/";
  unmatched.push(`${method} ${options.proto ?? "https"}://${host}${path}`);
}

/** A nock scope on GitHub's API (or `baseUrl`, e.g. a GitHub Enterprise Server `…/api/v3`). */
export function withGitHubMock(baseUrl = "https://api.github.com"): nock.Scope {
  if (!listening) {
    nock.emitter.on("no match", recordUnmatched);
    listening = true;
  }
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  return nock(baseUrl);
}

/** An Octokit (the `@actions/github` flavour) whose requests nock can intercept. */
export function mockedOctokit(baseUrl = "https://api.github.com", token = "test-token"): ReturnType<typeof getOctokit> {
  return getOctokit(token, { baseUrl, request: { fetch: globalThis.fetch } });
}

/** Requests no interceptor answered since the last `assertAllMocksUsed()`. */
export function unmatchedRequests(): string[] {
  return [...unmatched];
}

/**
 * Fails when an interceptor was never used or a request went unmatched (even one
 * whose error the code under test swallowed). Always resets nock for the next test.
 */
export function assertAllMocksUsed(): void {
  const unused = nock.pendingMocks();
  const missed = unmatched.splice(0);
  nock.cleanAll();
  const problems = [...unused.map((mock) => `unused mock: ${mock}`), ...missed.map((request) => `unmatched request: ${request}`)];
  if (problems.length > 0) {
    throw new Error(`HTTP mocks out of step with the requests made:\n  ${problems.join("\n  ")}`);
  }
}
