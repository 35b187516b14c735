import { afterEach, describe, expect, it } from "vitest";
import { assertAllMocksUsed, mockedOctokit, unmatchedRequests, withGitHubMock } from "./http-mock.js";
import { startFakeGitHub } from "./fake-github.js";

afterEach(assertAllMocksUsed);

const owner = "mallku";
const repo = "fleet";

describe("withGitHubMock / assertAllMocksUsed", () => {
  it("passes when every mock was used and every request matched", async () => {
    withGitHubMock().get(`/repos/${owner}/${repo}/issues/1`).reply(200, { number: 1, title: "t" });
    const { data } = await mockedOctokit().rest.issues.get({ owner, repo, issue_number: 1 });
    expect(data).toMatchObject({ number: 1, title: "t" });
    expect(() => assertAllMocksUsed()).not.toThrow();
  });

  it("catches a mock that was never used", () => {
    withGitHubMock().post(`/repos/${owner}/${repo}/issues/1/comments`).reply(201, {});
    expect(() => assertAllMocksUsed()).toThrow(`unused mock: POST https://api.github.com:443/repos/${owner}/${repo}/issues/1/comments`);
  });

  it("catches an unmatched request, even when the code under test swallowed its error", async () => {
    withGitHubMock().get(`/repos/${owner}/${repo}/issues/1`).reply(200, {});
    const octokit = mockedOctokit();
    await octokit.rest.issues.get({ owner, repo, issue_number: 1 });
    await octokit.rest.issues.get({ owner, repo, issue_number: 2 }).catch(() => undefined);
    expect(unmatchedRequests()).toEqual([`GET https://api.github.com:443/repos/${owner}/${repo}/issues/2`]);
    expect(() => assertAllMocksUsed()).toThrow("unmatched request: GET");
    expect(unmatchedRequests()).toEqual([]);
  });

  it("refuses the real network for a host with no mock, and reports it", async () => {
    withGitHubMock();
    await expect(fetch("https://example.com/anything")).rejects.toThrow();
    expect(() => assertAllMocksUsed()).toThrow("unmatched request: GET https://example.com:443/anything");
  });

  it("mocks a GitHub Enterprise Server base URL", async () => {
    withGitHubMock("https://ghe.example.com/api/v3").get(`/repos/${owner}/${repo}`).reply(200, { default_branch: "trunk" });
    const { data } = await mockedOctokit("https://ghe.example.com/api/v3").rest.repos.get({ owner, repo });
    expect(data.default_branch).toBe("trunk");
  });

  it("lets loopback traffic through to the fake GitHub without counting it as unmatched", async () => {
    withGitHubMock();
    const gh = await startFakeGitHub({ owner, repo });
    try {
      const { data } = await mockedOctokit(gh.url).rest.repos.get({ owner, repo });
      expect(data.full_name).toBe(`${owner}/${repo}`);
      expect(unmatchedRequests()).toEqual([]);
    } finally {
      await gh.close();
    }
  });
});
