import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { describeFailure } from "../../src/app/action-main.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

describe("bot/action.yml", () => {
  const action = parse(readFileSync(join(ROOT, "bot/action.yml"), "utf8")) as { inputs: Record<string, { default?: string }>; runs: { using: string; main: string } };

  it("runs the bundle the build writes (dist/bot.js), resolved from the action's folder as the runner does", () => {
    expect(action.runs.using).toBe("node24");
    expect(resolve(ROOT, "bot", action.runs.main)).toBe(resolve(ROOT, "dist/bot.js"));
    expect(readFileSync(join(ROOT, "scripts/bundle.mjs"), "utf8")).toContain('{ name: "bot", entry: "src/app/action-entry.ts"');
  });

  it("takes the workflow's token by default, and a config path", () => {
    expect(Object.keys(action.inputs)).toEqual(["github-token", "config"]);
    expect(action.inputs["github-token"]?.default).toBe("${{ github.token }}");
  });
});

/** An error shaped as Octokit's RequestError: status, request, and GitHub's message with the docs link. */
function requestError(status: number, message: string, method = "POST", url = "https://api.github.com/repos/mallku/fleet/issues/1/labels"): Error {
  return Object.assign(new Error(`${message} - https://docs.github.com/rest/issues/labels`), { name: "HttpError", status, request: { method, url } });
}

describe("describeFailure", () => {
  it.each([
    [requestError(401, "Bad credentials"), "GitHub refused the token (POST https://api.github.com/repos/mallku/fleet/issues/1/labels): Bad credentials. Leave the github-token input at its default"],
    [requestError(403, "Resource not accessible by integration"), "The token may not do this (POST https://api.github.com/repos/mallku/fleet/issues/1/labels): Resource not accessible by integration. Give the job `permissions: { issues: write, pull-requests: write, contents: write }`"],
    [requestError(403, "You have exceeded a secondary rate limit."), "GitHub's secondary rate limit stopped a request (POST https://api.github.com/repos/mallku/fleet/issues/1/labels) after retries. Nothing is lost"],
    [requestError(404, "Not Found", "GET", "https://ghe.example.com/api/v3/repos/mallku/fleet"), "GitHub answered 404 (GET https://ghe.example.com/api/v3/repos/mallku/fleet): Not Found. The token cannot see that repository"],
    [requestError(502, "Server Error"), "GitHub failed (POST https://api.github.com/repos/mallku/fleet/issues/1/labels) with 502 after retries: Server Error. Re-run the job"],
    [new TypeError("Cannot read properties of undefined"), "TypeError: Cannot read properties of undefined"],
    ["a string was thrown", "a string was thrown"],
  ])("explains %s", (error, expected) => {
    expect(describeFailure(error)).toContain(expected);
    expect(describeFailure(error)).not.toContain("docs.github.com/rest/issues");
  });

  it("explains each error probot collected from the handlers, one per line", () => {
    const aggregate = new AggregateError([requestError(401, "Bad credentials"), new Error("boom")], "2 errors");
    expect(describeFailure(aggregate).split("\n")).toEqual([expect.stringContaining("GitHub refused the token"), "Error: boom"]);
  });
});
