/**
 * The bot inside GitHub Actions, end to end: the bundled `dist/bot.js` (built fresh into a
 * temporary folder, as bot/action.yml runs it) as a child process with the variables the
 * runner sets, the workflow's token, and a fake GitHub (github.com-style and GitHub
 * Enterprise Server-style API URLs) on loopback.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { REPLY_MARKER } from "../../src/core/feedback-reply.js";
import { startFakeGitHub, type FakeGitHub } from "../support/fake-github.js";
import { baseEnv, ROOT } from "./support/app-server.js";
import { issueView, OWNER, REPO, REPO_FILES, REPORTERS, seedReport, STORY_LABELS } from "./support/story.js";
import { issuesEvent, type IssueSpec } from "./support/webhooks.js";

const TOKEN = "ghs_workflowtoken0000000000000000000000";

let dir: string;
let bundle: string;
let gh: FakeGitHub;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "apprentice-tools-bot-e2e-"));
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, [join(ROOT, "scripts/bundle.mjs"), "--outdir", join(dir, "dist")], { cwd: ROOT }, (error, _out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve())),
  );
  bundle = join(dir, "dist/bot.js");
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // In a workflow the token belongs to github-actions[bot]: that is who writes.
  gh = await startFakeGitHub({ owner: OWNER, repo: REPO, actor: { login: "github-actions[bot]", type: "Bot" } });
  gh.state.seedFiles("main", REPO_FILES, { message: "the fleet's manifests" });
});

afterEach(async () => {
  expect(gh.unhandled, "requests to endpoints the fake GitHub does not implement").toEqual([]);
  await gh.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/bot.js` as the runner starts a node24 action: GITHUB_* variables and INPUT_* inputs. */
async function runBot(event: { name: string; payload: unknown }, env: Record<string, string> = {}): Promise<Run> {
  const eventPath = join(dir, `event-${event.name}-${Date.now()}.json`);
  await writeFile(eventPath, JSON.stringify(event.payload));
  const full: Record<string, string> = {
    ...baseEnv(),
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: gh.url,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_RUN_ID: "777",
    GITHUB_RUN_ATTEMPT: "1",
    RUNNER_TEMP: dir,
    "INPUT_GITHUB-TOKEN": "",
    INPUT_CONFIG: "",
    ...env,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle], { cwd: dir, env: full, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const where = () => ({ owner: OWNER, repo: REPO, defaultBranch: "main", installationId: 1, origin: gh.url });
const opened = (issue: IssueSpec) => ({ name: "issues", payload: issuesEvent("opened", issue, where()) });
const errors = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("::error::"));

describe("bot/action.yml's entry (dist/bot.js) on the workflow's event", () => {
  it("labels and answers a khipu report with the workflow's token", async () => {
    const issue = seedReport(gh, "weaver-apprentice-1", "s1");
    const run = await runBot(opened(issue));
    expect(errors(run.stdout), run.stdout + run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    const view = issueView(gh, issue.number);
    expect(view.labels).toEqual([...STORY_LABELS].sort());
    expect(view.botComments).toHaveLength(1);
    expect(view.botComments[0]).toContain(REPLY_MARKER);
    expect(view.botComments[0]).toContain("`ast_parse`");
    // Every request carried the workflow's token; no app credentials were ever asked for.
    expect(gh.requests.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true);
    expect(gh.requests.some((r) => r.path.startsWith("/app"))).toBe(false);
  }, 60_000);

  it("works the same against GitHub Enterprise Server (GITHUB_API_URL=https://HOST/api/v3) and with the github-token input", async () => {
    const issue = seedReport(gh, "weaver-apprentice-2", "s2");
    const run = await runBot(opened(issue), { GITHUB_API_URL: gh.apiV3Url, GITHUB_TOKEN: "", "INPUT_GITHUB-TOKEN": TOKEN });
    expect(errors(run.stdout), run.stdout + run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(issueView(gh, issue.number).labels).toEqual([...STORY_LABELS].sort());
    expect(gh.requests.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true);
  }, 60_000);

  it("changes nothing when the same event runs again", async () => {
    const issue = seedReport(gh, "weaver-apprentice-3", "s3");
    expect((await runBot(opened(issue))).code).toBe(0);
    const before = gh.state.snapshot();
    const mark = gh.requests.length;
    const again = await runBot(opened(issue));
    expect(again.code).toBe(0);
    expect(gh.state.snapshot()).toEqual(before);
    expect(gh.requests.slice(mark).filter((r) => r.method !== "GET")).toEqual([]);
  }, 60_000);

  it.each([
    ["schedule", { schedule: "17 3 * * *" }],
    ["workflow_dispatch", { inputs: {}, ref: "refs/heads/main", repository: { name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main", owner: { login: OWNER } } }],
  ])("%s rebuilds the dashboard from the labelled feedback issues", async (name, payload) => {
    // Reports the bot labelled earlier, and no dashboard yet (say, it was deleted).
    const reports = REPORTERS.map((author, i) => seedReport(gh, author, `s${i + 1}`, STORY_LABELS));
    const run = await runBot({ name, payload }, { GITHUB_REPOSITORY: `${OWNER}/${REPO}` });
    expect(errors(run.stdout), run.stdout + run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${name}: rebuilding the feedback dashboard of ${OWNER}/${REPO}`);
    const dashboards = [...gh.state.issues.values()].filter((i) => i.labels.includes("apprentice-tools:dashboard"));
    expect(dashboards).toHaveLength(1);
    const body = dashboards[0]?.body ?? "";
    expect(body).toContain("ast_parse");
    for (const r of reports) expect(body).toContain(`#${r.number}`);
    expect(run.stdout).toContain(`Dashboard: ${gh.url}/${OWNER}/${REPO}/issues/${dashboards[0]?.number}`);
  }, 60_000);

  it("fails with what to do when the token may not write (a read-only token)", async () => {
    const issue = seedReport(gh, "weaver-apprentice-4", "s4");
    gh.readOnly = true;
    const run = await runBot(opened(issue));
    expect(run.code).toBe(1);
    expect(errors(run.stdout).join("\n")).toMatch(/The token may not do this \(POST .*\/labels\): Resource not accessible by integration\. Give the job `permissions: \{ issues: write/);
    expect(issueView(gh, issue.number)).toEqual({ labels: [], botComments: [] });
  }, 60_000);

  it.each([
    ["no event payload", { GITHUB_EVENT_PATH: "" }, "GITHUB_EVENT_PATH is empty"],
    ["an unreadable payload", { GITHUB_EVENT_PATH: "/nonexistent/event.json" }, "Cannot read the event payload at GITHUB_EVENT_PATH (/nonexistent/event.json)"],
    ["no token", { GITHUB_TOKEN: "" }, "No token: the github-token input is empty"],
  ])("fails clearly with %s", async (_case, env, message) => {
    const issue = seedReport(gh, "weaver-apprentice-5", "s5");
    const run = await runBot(opened(issue), env);
    expect(run.code).toBe(1);
    expect(errors(run.stdout).join("\n")).toContain(message);
    expect(gh.requests).toEqual([]);
  });
});
