import { describe, expect, it } from "vitest";
import { describeFailure } from "../../src/app/action-main.js";

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
