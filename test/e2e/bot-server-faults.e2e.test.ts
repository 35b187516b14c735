/**
 * The GitHub App server under faults, over real HTTP (see bot-server.e2e.test.ts): forged
 * webhooks, GitHub answering 502 once or for longer than the retries, and GitHub's
 * secondary rate limit. Its own fake GitHub, with a threshold no test reaches, so only
 * feedback handling is at work.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { secondaryRateLimit } from "../support/fake-github.js";
import { startAppHarness, type AppHarness } from "./support/app-harness.js";
import { issueView, OWNER, REPO, REPO_FILES, seedReport, STORY_LABELS } from "./support/story.js";
import { deliver } from "./support/webhooks.js";

let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness({ ...REPO_FILES, "apprentice-tools.yml": "limits: { max_tools: 20, safety_margin: 2 }\nfeedback:\n  thresholds: { add: 100 }\n" });
}, 60_000);

afterAll(async () => {
  await app?.close();
});

afterEach(() => {
  expect(app.gh.unhandled, "requests to endpoints the fake GitHub does not implement").toEqual([]);
});

const onIssue = (n: number, what: "comments" | "labels") => (w: string) => w.startsWith(`POST /repos/${OWNER}/${REPO}/issues/${n}/${what} `);
const pathOf = (n: number, what: "comments" | "labels") => new RegExp(`^/repos/${OWNER}/${REPO}/issues/${n}/${what}$`);
const labelled = [...STORY_LABELS].sort();

describe("what the app refuses and survives", () => {
  it("refuses a webhook with a bad or missing signature (400) and changes nothing", async () => {
    const { gh } = app;
    const issue = seedReport(gh, "forger", "forged");
    const before = gh.state.snapshot();
    const mark = gh.requests.length;
    const forged = await deliver(app.webhookUrl, { ...app.opened(issue), signature: `sha256=${"0".repeat(64)}` });
    expect([forged.status, forged.text]).toEqual([400, expect.stringContaining("signature does not match")]);
    const wrongSecret = await deliver(app.webhookUrl, { ...app.opened(issue), secret: "not-the-secret" });
    expect(wrongSecret.status).toBe(400);
    const unsigned = await fetch(app.webhookUrl, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": "x" }, body: "{}" });
    expect(unsigned.status).toBe(400);
    expect(gh.state.snapshot()).toEqual(before);
    expect(app.since(mark)).toEqual([]);
  });

  it("retries a 502 from GitHub: one reply, no duplicate", async () => {
    const { gh } = app;
    const issue = seedReport(gh, "apprentice-502", "s502");
    gh.failNext({ method: "POST", path: pathOf(issue.number, "comments") }, { status: 502, body: { message: "Server Error" } });
    const mark = gh.requests.length;
    const answer = await app.settle(app.opened(issue));
    expect(answer.outcome, answer.text).toBe("handled");
    const view = issueView(gh, issue.number);
    expect(view.labels).toEqual(labelled);
    expect(view.botComments).toHaveLength(1);
    expect(app.writes(mark).filter(onIssue(issue.number, "comments"))).toEqual([`POST /repos/${OWNER}/${REPO}/issues/${issue.number}/comments 502`, `POST /repos/${OWNER}/${REPO}/issues/${issue.number}/comments 201`]);
  }, 60_000);

  it("reports an outage that outlasts the retries, leaves only finished steps behind, and a redelivery completes the work once", async () => {
    const { gh } = app;
    const issue = seedReport(gh, "apprentice-outage", "outage");
    // One try and three retries (after 1, 4 and 9 s): all four fail.
    gh.failNext({ method: "POST", path: pathOf(issue.number, "comments") }, { status: 502, body: { message: "Server Error" } }, 4);
    const failed = await app.settle(app.opened(issue));
    expect(failed.outcome).toBe("failed");
    // The labels were set before the reply and are right on their own; the reply is simply not there yet.
    expect(issueView(gh, issue.number)).toEqual({ labels: labelled, botComments: [] });
    const redelivered = await app.settle({ ...app.opened(issue), id: failed.id });
    expect(redelivered.outcome, redelivered.text).toBe("handled");
    const view = issueView(gh, issue.number);
    expect(view.labels).toEqual(labelled);
    expect(view.botComments).toHaveLength(1);
  }, 90_000);

  it("waits out a secondary rate limit (403 + retry-after) and goes on", async () => {
    const { gh } = app;
    const issue = seedReport(gh, "apprentice-limited", "limited");
    gh.failNext({ method: "POST", path: pathOf(issue.number, "labels") }, secondaryRateLimit(1));
    const mark = gh.requests.length;
    const answer = await app.settle(app.opened(issue));
    expect(answer.outcome, answer.text).toBe("handled");
    const view = issueView(gh, issue.number);
    expect(view.labels).toEqual(labelled);
    expect(view.botComments).toHaveLength(1);
    expect(app.writes(mark).filter(onIssue(issue.number, "labels"))).toEqual([`POST /repos/${OWNER}/${REPO}/issues/${issue.number}/labels 403`, `POST /repos/${OWNER}/${REPO}/issues/${issue.number}/labels 200`]);
    expect(app.server.logs.some((l) => l.includes("secondary rate limit answered POST"))).toBe(true);
  }, 60_000);
});
