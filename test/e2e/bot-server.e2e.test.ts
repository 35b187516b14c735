/**
 * The GitHub App, end to end over real HTTP: the real server entry as a child process,
 * configured like a deployment (a generated RSA key, a webhook secret, the fake GitHub as
 * its GitHub Enterprise Server), receiving signed webhooks built from real payloads and
 * talking to a stateful fake of GitHub's REST API. Each step checks what GitHub ends up
 * holding. Faults (signatures, 502s, rate limits) are in bot-server-faults.e2e.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REPLY_MARKER } from "../../src/core/feedback-reply.js";
import { SECRET, startAppHarness, type AppHarness } from "./support/app-harness.js";
import { generateAppKey, pullClosedEvent, type IssueSpec } from "./support/webhooks.js";
import { runServerToExit } from "./support/app-server.js";
import { dashboardOf, issueView, OWNER, REPO, REPO_FILES, REPORTERS, seedReport, STORY_LABELS } from "./support/story.js";

let app: AppHarness;

beforeAll(async () => {
  app = await startAppHarness(REPO_FILES);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

afterEach(() => {
  expect(app.gh.unhandled, "requests to endpoints the fake GitHub does not implement").toEqual([]);
});

describe("the server", () => {
  it("answers /health for load balancers and 404 elsewhere", async () => {
    const health = await fetch(`${app.server.url}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    expect((await fetch(`${app.server.url}/nothing-here`)).status).toBe(404);
    expect((await fetch(app.webhookUrl)).status).toBe(404);
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

  it("reads .env from its working folder, the environment winning over it", async () => {
    const { code, stderr } = await runServerToExit({ WEBHOOK_SECRET: "from-the-environment" }, { ".env": "APP_ID=Iv1.abc\nWEBHOOK_SECRET=\nPRIVATE_KEY_PATH=missing.pem\n" });
    expect(code).toBe(1);
    expect(stderr).toContain('APP_ID must be the numeric "App ID"');
    expect(stderr).toContain("PRIVATE_KEY_PATH is missing.pem, which cannot be read (ENOENT)");
    expect(stderr).not.toContain("WEBHOOK_SECRET");
  });
});

describe("story, part 1 (issue 5): apprentices' feedback becomes labelled, answered issues", () => {
  const reports: IssueSpec[] = [];
  const deliveries: string[] = [];

  it("three apprentices report the same missing tool: each issue gets the labels and one reply", async () => {
    const { gh } = app;
    for (const [i, author] of REPORTERS.entries()) {
      const issue = seedReport(gh, author, `s${i + 1}`);
      reports.push(issue);
      const answer = await app.settle(app.opened(issue));
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
    const { gh } = app;
    const before = gh.state.snapshot();
    const mark = gh.requests.length;
    // The latest report, redelivered as GitHub does (same delivery id): its reply already counts all the evidence there is.
    const again = await app.settle({ ...app.opened(reports.at(-1) as IssueSpec), id: deliveries.at(-1) as string });
    expect([again.status, again.outcome], again.text).toEqual([200, "handled"]);
    expect(gh.state.snapshot()).toEqual(before);
    expect(app.writes(mark)).toEqual([]);
  });

  it("an ordinary issue is left alone: no label, no comment", async () => {
    const { gh } = app;
    const issue = gh.state.seedIssue({ title: "The README has a typo", body: "In the second paragraph.", user: "octocat" });
    const mark = gh.requests.length;
    const answer = await app.settle(app.opened({ number: issue.number, title: issue.title, body: issue.body ?? "", author: "octocat" }));
    expect([answer.status, answer.outcome]).toEqual([200, "handled"]);
    expect(issueView(gh, issue.number)).toEqual({ labels: [], botComments: [] });
    expect(app.writes(mark)).toEqual([]);
  });
});

describe("story, part 2 (issue 6): the evidence reaches the dashboard, a pull request proposes the change, merging it closes the loop", () => {
  const manifestPath = "manifests/python_patterns.yaml";
  const branch = "apprentice-tools/python_patterns/add-ast_parse";
  const proposal = () => [...app.gh.state.pulls.values()].filter((p) => p.head === branch);
  let prNumber = 0;

  it("after the three reports, the dashboard shows the need and a PR proposes adding the tool, the manifest's comments kept", () => {
    const { gh } = app;
    const dashboard = dashboardOf(gh);
    expect(dashboard.body).toContain("`ast_parse`");
    expect(dashboard.state.evidence.entries.filter((e) => e.tool === "ast_parse")).toHaveLength(3);
    const pulls = proposal();
    expect(pulls).toHaveLength(1);
    prNumber = (pulls[0] as { number: number }).number;
    const pr = gh.state.issue(prNumber);
    expect(pr.labels).toContain("apprentice-tools:suggestion");
    const reports = [...gh.state.issues.values()].filter((i) => i.title.startsWith("Missing tool: ast_parse")).map((i) => i.number);
    expect(reports).toHaveLength(3);
    for (const n of reports) expect(pr.body).toContain(`#${n}`);
    // One commit on the branch; only the optional_tools line differs, the comment line is kept.
    const before = (REPO_FILES[manifestPath] as string).split("\n");
    const after = (gh.state.file(branch, manifestPath) as string).split("\n");
    expect(after[0]).toBe("# Reviews Python code for recurring patterns.");
    const changed = after.map((line, i) => (line === before[i] ? null : i)).filter((i) => i !== null);
    expect(changed).toEqual([4]);
    expect(after[4]).toBe("optional_tools: [edit_file, multi_edit, write_file, bash, glob, ast_parse]");
    expect(gh.state.file("main", manifestPath)).toBe(REPO_FILES[manifestPath]);
  });

  it("a fourth report updates the PR's body, and opens no second PR", async () => {
    const { gh } = app;
    const issue = seedReport(gh, "weaver-apprentice-4", "s4");
    const answer = await app.settle(app.opened(issue));
    expect(answer.outcome, answer.text).toBe("handled");
    expect(proposal()).toHaveLength(1);
    expect(gh.state.issue(prNumber).body).toContain(`#${issue.number}`);
    expect(dashboardOf(gh).state.evidence.entries.filter((e) => e.tool === "ast_parse")).toHaveLength(4);
  }, 90_000);

  it("merging the PR thanks and closes the feedback issues, and the dashboard shows it", async () => {
    const { gh } = app;
    const merged = await fetch(`${gh.url}/repos/${OWNER}/${REPO}/pulls/${prNumber}/merge`, { method: "PUT", headers: { authorization: "token maintainer", "content-type": "application/json" }, body: "{}" });
    expect(merged.status).toBe(200);
    const answer = await app.settle({ name: "pull_request", payload: pullClosedEvent({ number: prNumber, head: branch, merged: true, labels: ["apprentice-tools:suggestion"] }, app.where), secret: SECRET });
    expect(answer.outcome, answer.text).toBe("handled");
    const reporters = [...gh.state.issues.values()].filter((i) => i.title.startsWith("Missing tool: ast_parse"));
    expect(reporters).toHaveLength(4);
    for (const issue of reporters) {
      expect([issue.state, issue.stateReason]).toEqual(["closed", "completed"]);
      expect(issue.comments.filter((c) => c.body.includes(`#${prNumber}`) && c.body.includes("Thank you"))).toHaveLength(1);
    }
    const dashboard = dashboardOf(gh);
    expect(Object.values(dashboard.state.proposals)).toEqual([expect.objectContaining({ id: "python_patterns/add-ast_parse", status: "merged", pr: prNumber })]);
    expect(dashboard.body).toMatch(/\*\*1\*\* need met by merged proposals/);
    // Redelivering the merge changes nothing: no second thank-you.
    const snapshot = gh.state.snapshot();
    await app.settle({ name: "pull_request", payload: pullClosedEvent({ number: prNumber, head: branch, merged: true, labels: ["apprentice-tools:suggestion"] }, app.where), secret: SECRET });
    expect(gh.state.snapshot()).toEqual(snapshot);
  }, 90_000);
});
