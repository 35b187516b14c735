import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, expect, it } from "vitest";
import { assertAllMocksUsed, withGitHubMock } from "../support/http-mock.js";
afterEach(assertAllMocksUsed);
it("spike", async () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
  const probot = new Probot({ appId: 1, privateKey, logLevel: "fatal", Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
  const seen: string[] = [];
  probot.load((app) => { app.on("issues.opened", async (ctx) => { const r = await ctx.octokit.rest.issues.get({ owner: "o", repo: "r", issue_number: 1 }); seen.push(String(r.data.number)); }); });
  const gh = withGitHubMock();
  gh.post("/app/installations/2/access_tokens").reply(201, { token: "t", expires_at: "2099-01-01T00:00:00Z", permissions: { issues: "write" }, repository_selection: "all" });
  gh.get("/repos/o/r/issues/1").reply(200, { number: 1 });
  await probot.receive({ id: "1", name: "issues", payload: { action: "opened", installation: { id: 2 }, issue: { number: 1 }, repository: { name: "r", owner: { login: "o" } } } as never });
  expect(seen).toEqual(["1"]);
});
