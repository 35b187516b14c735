/**
 * The GitHub App, end to end over real HTTP: the real server entry as a child process,
 * configured like a deployment (a generated RSA key, a webhook secret, the fake GitHub as
 * its GitHub Enterprise Server), receiving signed webhooks and talking to a stateful fake
 * of GitHub's REST API. Each step checks what GitHub ends up holding.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REPLY_MARKER } from "../../src/core/feedback-reply.js";
import { secondaryRateLimit, startFakeGitHub, type FakeGitHub } from "../support/fake-github.js";
import { startServerProcess, runServerToExit, type ServerProcess } from "./support/app-server.js";
import { issueView, OWNER, REPO, REPO_FILES, REPORTERS, seedReport, STORY_LABELS } from "./support/story.js";
import { deliver, generateAppKey, issuesEvent, type Delivery, type IssueSpec, type RepoCoordinates } from "./support/webhooks.js";

const SECRET = "e2e-webhook-secret";
const INSTALLATION_ID = 4242;
const APP_ID = 31337;

let gh: FakeGitHub;
let server: ServerProcess;
let where: RepoCoordinates;
let webhookUrl: string;

beforeAll(async () => {
  gh = await startFakeGitHub({ owner: OWNER, repo: REPO, installationId: INSTALLATION_ID, appId: APP_ID });
  gh.state.seedFiles("main", REPO_FILES, { message: "the fleet's manifests" });
  const host = new URL(gh.url).host;
  // probot's own variables for GitHub Enterprise Server point it at the fake: http://HOST/api/v3.
  server = await startServerProcess({ APP_ID: String(APP_ID), PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: SECRET, GHE_HOST: host, GHE_PROTOCOL: "http", LOG_LEVEL: "debug" });
  where = { owner: OWNER, repo: REPO, defaultBranch: "main", installationId: INSTALLATION_ID, origin: gh.url };
  webhookUrl = `${server.url}/api/github/webhooks`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await gh?.close();
});

afterEach(() => {
  expect(gh.unhandled, "requests to endpoints the fake GitHub does not implement").toEqual([]);
});

const opened = (issue: IssueSpec) => ({ name: "issues", payload: issuesEvent("opened", issue, where), secret: SECRET });

interface Settled {
  id: string;
  /** The HTTP answer: 200 when the handlers finished in time, 202 when they went on after 9 s. */
  status: number;
  text: string;
  /** How the handlers ended, from the server's log of that delivery. */
  outcome: "handled" | "failed";
}

/**
 * Delivers a webhook and waits until its handlers are done. probot answers 202 "still
 * processing" after 9 s (GitHub gives up at 10 s) and goes on, so the log tells the end.
 */
async function settle(d: Delivery): Promise<Settled> {
  const logMark = server.logs.length;
  const answer = await deliver(webhookUrl, d);
  if (answer.status >= 400 && answer.status !== 500) return { ...answer, outcome: "failed" };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const lines = server.logs.slice(logMark).filter((l) => l.includes(`"id":"${answer.id}"`)).map((l) => JSON.parse(l) as { level: number; msg?: string });
    if (lines.some((l) => l.level >= 50)) return { ...answer, outcome: "failed" };
    if (lines.some((l) => /^issue #\d+: /.test(l.msg ?? ""))) return { ...answer, outcome: "handled" };
    if (Date.now() > deadline) throw new Error(`delivery ${answer.id} (${answer.status}) did not finish within 60 s:\n${server.logs.slice(-20).join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Requests the app made to the fake GitHub after `mark` (an index into gh.requests). */
const since = (mark: number) => gh.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.status}`);
const writes = (mark: number) => since(mark).filter((r) => !r.startsWith("GET "));

describe("the server", () => {
  it("answers /health for load balancers and 404 elsewhere", async () => {
    const health = await fetch(`${server.url}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    expect((await fetch(`${server.url}/nothing-here`)).status).toBe(404);
    expect((await fetch(webhookUrl)).status).toBe(404);
  });

  it.each([
    ["nothing set", {}, ["APP_ID is not set", "No private key is set", "WEBHOOK_SECRET is not set"]],
    ["a private key that is not PEM", { APP_ID: "12", PRIVATE_KEY: "not a key", WEBHOOK_SECRET: "s" }, ["PRIVATE_KEY is not a PEM private key: download one from your GitHub App's settings"]],
    ["a key file that is not there", { APP_ID: "12", PRIVATE_KEY_PATH: "/nonexistent/app.pem", WEBHOOK_SECRET: "s" }, ["PRIVATE_KEY_PATH is /nonexistent/app.pem, which cannot be read (ENOENT)"]],
    ["a URL for GHE_HOST", { APP_ID: "12", PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: "s", GHE_HOST: "https://github.example.com" }, ["GHE_HOST must be the host name"]],
  ])("refuses to start with %s: exit 1, every problem named, no stack trace", async (_case, env, messages) => {
    const { code, stderr } = await runServerToExit(env);
    expect(code).toBe(1);
    for (const m of messages) expect(stderr).toContain(m);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain("not a key");
  });
});

describe("story, part 1 (issue 5): apprentices' feedback becomes labelled, answered issues", () => {
  const reports: IssueSpec[] = [];
  const deliveries: string[] = [];

  it("three apprentices report the same missing tool: each issue gets the labels and one reply", async () => {
    for (const [i, author] of REPORTERS.entries()) {
      const issue = seedReport(gh, author, `s${i + 1}`);
      reports.push(issue);
      const answer = await settle(opened(issue));
      deliveries.push(answer.id);
      expect([answer.status, answer.outcome], answer.text).toEqual([expect.toBeOneOf([200, 202]), "handled"]);
      const view = issueView(gh, issue.number);
      expect(view.labels).toEqual([...STORY_LABELS].sort());
      expect(view.botComments).toHaveLength(1);
      expect(view.botComments[0]).toContain(REPLY_MARKER);
      expect(view.botComments[0]).toContain("`ast_parse`");
      expect(view.botComments[0]).toContain("`python_patterns`");
    }
    // Labels GitHub created bare on first use were given their colour and description, once.
    expect(gh.state.labels.get("tool:ast_parse")).toMatchObject({ color: "d4c5f9", description: "Feedback about the tool ast_parse" });
    expect(gh.state.labels.get("apprentice-feedback")).toMatchObject({ color: "5319e7" });
    for (const issue of reports) expect(issueView(gh, issue.number).botComments).toHaveLength(1);
  }, 90_000);

  it("a redelivered webhook changes nothing", async () => {
    const before = gh.state.snapshot();
    const mark = gh.requests.length;
    // The latest report: its reply already counts all the evidence there is.
    const latest = reports.at(-1) as IssueSpec;
    // GitHub redelivers with the same delivery id.
    const again = await settle({ ...opened(latest), id: deliveries.at(-1) as string });
    expect([again.status, again.outcome], again.text).toEqual([200, "handled"]);
    expect(gh.state.snapshot()).toEqual(before);
    expect(writes(mark)).toEqual([]);
  });

  it("an ordinary issue is left alone: no label, no comment", async () => {
    const issue = gh.state.seedIssue({ title: "The README has a typo", body: "In the second paragraph.", user: "octocat" });
    const mark = gh.requests.length;
    const answer = await settle(opened({ number: issue.number, title: issue.title, body: issue.body ?? "", author: "octocat" }));
    expect([answer.status, answer.outcome]).toEqual([200, "handled"]);
    expect(issueView(gh, issue.number)).toEqual({ labels: [], botComments: [] });
    expect(writes(mark)).toEqual([]);
  });
});

// ── story, part 2 (issue 6) goes here: the dashboard shows the three reports → a PR opens
//    with the manifest edited and its comments kept → a fourth report updates the PR body →
//    the PR is merged (pull_request.closed, merged: true) → the issues are thanked and closed.

describe("what the app refuses and survives", () => {
  it("refuses a webhook with a bad or missing signature (400) and changes nothing", async () => {
    const issue = seedReport(gh, "forger", "forged");
    const before = gh.state.snapshot();
    const mark = gh.requests.length;
    const forged = await deliver(webhookUrl, { ...opened(issue), signature: `sha256=${"0".repeat(64)}` });
    expect([forged.status, forged.text]).toEqual([400, expect.stringContaining("signature does not match")]);
    const wrongSecret = await deliver(webhookUrl, { ...opened(issue), secret: "not-the-secret" });
    expect(wrongSecret.status).toBe(400);
    const unsigned = await fetch(webhookUrl, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": "x" }, body: "{}" });
    expect(unsigned.status).toBe(400);
    expect(gh.state.snapshot()).toEqual(before);
    expect(since(mark)).toEqual([]);
  });

  const commentsPath = (n: number) => new RegExp(`^/repos/${OWNER}/${REPO}/issues/${n}/comments$`);
  const onIssue = (n: number, what: "comments" | "labels") => (w: string) => w.startsWith(`POST /repos/${OWNER}/${REPO}/issues/${n}/${what} `);

  it("retries a 502 from GitHub: one reply, no duplicate", async () => {
    const issue = seedReport(gh, "apprentice-502", "s502");
    gh.failNext({ method: "POST", path: commentsPath(issue.number) }, { status: 502, body: { message: "Server Error" } });
    const mark = gh.requests.length;
    const answer = await settle(opened(issue));
    expect(answer.outcome, answer.text).toBe("handled");
    const view = issueView(gh, issue.number);
    expect(view.labels).toEqual([...STORY_LABELS].sort());
    expect(view.botComments).toHaveLength(1);
    expect(writes(mark).filter(onIssue(issue.number, "comments"))).toEqual([`POST /repos/${OWNER}/${REPO}/issues/${issue.number}/comments 502`, `POST /repos/${OWNER}/${REPO}/issues/${issue.number}/comments 201`]);
  }, 60_000);

  it("reports an outage that outlasts the retries, leaves only finished steps behind, and a redelivery completes the work once", async () => {
    const issue = seedReport(gh, "apprentice-outage", "outage");
    // One try and three retries (after 1, 4 and 9 s): all four fail.
    gh.failNext({ method: "POST", path: commentsPath(issue.number) }, { status: 502, body: { message: "Server Error" } }, 4);
    const failed = await settle(opened(issue));
    expect(failed.outcome).toBe("failed");
    // The labels were set before the reply and are right on their own; the reply is simply not there yet.
    expect(issueView(gh, issue.number)).toEqual({ labels: [...STORY_LABELS].sort(), botComments: [] });
    const redelivered = await settle({ ...opened(issue), id: failed.id });
    expect(redelivered.outcome, redelivered.text).toBe("handled");
    const view = issueView(gh, issue.number);
    expect(view.labels).toEqual([...STORY_LABELS].sort());
    expect(view.botComments).toHaveLength(1);
  }, 90_000);

  it("waits out a secondary rate limit (403 + retry-after) and goes on", async () => {
    const issue = seedReport(gh, "apprentice-limited", "limited");
    gh.failNext({ method: "POST", path: new RegExp(`^/repos/${OWNER}/${REPO}/issues/${issue.number}/labels$`) }, secondaryRateLimit(1));
    const mark = gh.requests.length;
    const answer = await settle(opened(issue));
    expect(answer.outcome, answer.text).toBe("handled");
    const view = issueView(gh, issue.number);
    expect(view.labels).toEqual([...STORY_LABELS].sort());
    expect(view.botComments).toHaveLength(1);
    expect(writes(mark).filter(onIssue(issue.number, "labels"))).toEqual([`POST /repos/${OWNER}/${REPO}/issues/${issue.number}/labels 403`, `POST /repos/${OWNER}/${REPO}/issues/${issue.number}/labels 200`]);
    expect(server.logs.some((l) => l.includes("secondary rate limit answered POST"))).toBe(true);
  }, 60_000);
});
