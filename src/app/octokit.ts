import { ProbotOctokit } from "probot";

/** How many times a request that met a secondary rate limit is tried again before the event fails. */
export const SECONDARY_LIMIT_RETRIES = 2;

interface LimitedRequest {
  method: string;
  url: string;
}

interface LoggingOctokit {
  log: { warn(message: string): void };
}

/**
 * probot's Octokit (throttling, retries, pagination), with one change. probot 14's
 * server options (`get-octokit-throttle-options`) replace the Octokit default for
 * secondary rate limits with a handler that only logs, so a 403 "secondary rate limit"
 * fails the event and half of it is never done. GitHub asks integrations to wait
 * `retry-after` seconds and try again; we do, a few times. The defaults are given as a
 * function so that they apply after probot's own and win over them.
 *
 * Everything else stays probot's: the throttling plugin spaces writes one second apart
 * per installation (three seconds for requests that notify, such as comments) and the
 * retry plugin tries a 5xx answer again up to three times.
 */
export function botOctokit(options: { pacing?: boolean } = {}): typeof ProbotOctokit {
  return ProbotOctokit.defaults((options_: Record<string, unknown>) => {
    const throttle = (options_["throttle"] ?? {}) as Record<string, unknown>;
    if (options.pacing === false) return { ...options_, throttle: { ...throttle, enabled: false } };
    if (throttle["enabled"] === false) return options_;
    const onSecondaryRateLimit = (retryAfter: number, request: LimitedRequest, octokit: LoggingOctokit, retryCount: number): boolean => {
      const again = retryCount < SECONDARY_LIMIT_RETRIES;
      octokit.log.warn(`GitHub's secondary rate limit answered ${request.method} ${request.url}; ${again ? `trying again in ${retryAfter} s` : `giving up after ${retryCount + 1} tries`}.`);
      return again;
    };
    return { ...options_, throttle: { ...throttle, onSecondaryRateLimit } };
  });
}
