/**
 * The built action, run as GitHub's runner runs it: `node dist/index.js` in a shallow
 * checkout, inputs as INPUT_* variables, a real pull_request payload, the output and
 * summary files, and a fake GitHub API on loopback.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PLAN_COMMENT_MARKER } from "../../src/core/render-comment.js";
import { startFakeGitHub, type FakeGitHub } from "../support/fake-github.js";

const exec = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const OWNER = "octo-org";
const REPO = "agents";

const BASE_FILES: Record<string, string> = {
  "apprentice-tools.yml": "limits: { max_tools: 20, safety_margin: 2 }\n",
  "manifests/alpha.yaml": "apprentice_type: alpha\ndescription: Reviews Python code for patterns\nrequired_tools: [read_file, grep]\noptional_tools: [bash, glob]\n",
  "manifests/beta.yaml": "apprentice_type: beta\ndescription: Writes the documentation\nrequired_tools: [read_file, write_file]\ncolour: blue\n",
  "README.md": "# agents\n",
};
const HEAD_CHANGES: Record<string, string> = {
  "manifests/alpha.yaml": "apprentice_type: alpha\ndescription: Reviews Python code for patterns\nrequired_tools: [read_file, grep]\noptional_tools: [ast_parse, glob]\nforbidden_tools: [bash]\n",
  "manifests/gamma.yaml": "apprentice_type: gamma\ndescription: Builds and runs containers\nrequired_tools:\n  - read_file\n  - docker_run\nforbidden_tools:\n  - docker_*\n",
};

interface Fixture {
  dir: string;
  bundle: string;
  /** A shallow clone of the head, as actions/checkout leaves it. */
  checkout: string;
  baseSha: string;
  headSha: string;
}

let fx: Fixture;
let github: FakeGitHub | undefined;

async function git(cwd: string, ...args: string[]): Promise<string> {
  const env = { ...cleanEnv(), GIT_AUTHOR_NAME: "Octo Cat", GIT_AUTHOR_EMAIL: "octo@example.com", GIT_COMMITTER_NAME: "Octo Cat", GIT_COMMITTER_EMAIL: "octo@example.com" };
  return (await exec("git", args, { cwd, env })).stdout.trim();
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** Nothing of the test runner's own environment (which may be a GitHub runner) leaks in. */
function cleanEnv(): Record<string, string> {
  return { PATH: process.env["PATH"] ?? "", HOME: join(tmpdir(), "apprentice-tools-e2e-home"), GIT_CONFIG_NOSYSTEM: "1", LANG: "C.UTF-8" };
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "apprentice-tools-e2e-"));
  await exec(process.execPath, [join(root, "scripts/bundle.mjs"), "--outdir", join(dir, "dist")], { cwd: root });
  const origin = join(dir, "origin");
  await mkdir(origin);
  await git(origin, "init", "-q", "-b", "main");
  await writeFiles(origin, BASE_FILES);
  await git(origin, "add", "-A");
  await git(origin, "commit", "-q", "-m", "base");
  const baseSha = await git(origin, "rev-parse", "HEAD");
  await git(origin, "checkout", "-q", "-b", "feature");
  await writeFiles(origin, HEAD_CHANGES);
  await git(origin, "add", "-A");
  await git(origin, "commit", "-q", "-m", "head");
  const headSha = await git(origin, "rev-parse", "HEAD");
  const checkout = join(dir, "checkout");
  await git(dir, "clone", "-q", "--depth=1", "--branch", "feature", `file://${origin}`, checkout);
  fx = { dir, bundle: join(dir, "dist/index.js"), checkout, baseSha, headSha };
}, 120_000);

afterAll(async () => {
  if (fx) await rm(fx.dir, { recursive: true, force: true });
});

afterEach(async () => {
  if (github) {
    expect(github.unhandled, "requests to endpoints the fake GitHub does not implement").toEqual([]);
    await github.close();
    github = undefined;
  }
});

/** A fake GitHub holding the same two commits and pull request #1 between them. */
async function startGitHub(): Promise<FakeGitHub> {
  github = await startFakeGitHub({ owner: OWNER, repo: REPO, actor: { login: "github-actions[bot]", type: "Bot" } });
  // The same commits, under the same SHAs as the local repository.
  github.state.seedFiles("main", BASE_FILES, { message: "base", sha: fx.baseSha });
  github.state.seedFiles("feature", HEAD_CHANGES, { message: "head", sha: fx.headSha });
  github.state.seedPull({ head: "feature", base: "main", title: "Give alpha ast_parse, add gamma" });
  return github;
}

/** A real `pull_request` → `opened` payload from @octokit/webhooks-examples, pointed at the fixture. */
async function pullRequestPayload(baseSha: string, headSha: string): Promise<unknown> {
  const require = createRequire(import.meta.url);
  const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
  const opened = examples.find((e) => e.name === "pull_request")?.examples.find((e) => e["action"] === "opened");
  if (!opened) throw new Error("@octokit/webhooks-examples has no pull_request.opened example");
  const payload = structuredClone(opened) as {
    number: number;
    pull_request: { number: number; base: { sha: string; ref: string; repo: Record<string, unknown> }; head: { sha: string; ref: string; repo: Record<string, unknown> } };
    repository: Record<string, unknown> & { owner: Record<string, unknown> };
  };
  const repository = { ...payload.repository, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { ...payload.repository.owner, login: OWNER } };
  payload.number = 1;
  payload.pull_request.number = 1;
  payload.pull_request.base = { ...payload.pull_request.base, sha: baseSha, ref: "main", repo: repository };
  payload.pull_request.head = { ...payload.pull_request.head, sha: headSha, ref: "feature", repo: repository };
  payload.repository = repository;
  return payload;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

interface RunOptions {
  inputs?: Record<string, string>;
  cwd?: string;
  /** `pull_request` (default) with this payload, or another event without one. */
  event?: { name: "pull_request"; baseSha: string; headSha: string } | { name: "push" };
  token?: string;
}

/** GitHub's `name<<delimiter … delimiter` output file format. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) outputs[m[1] as string] = m[3] as string;
  return outputs;
}

async function runAction(options: RunOptions = {}): Promise<RunResult> {
  const work = await mkdtemp(join(fx.dir, "run-"));
  const files = { output: join(work, "output"), summary: join(work, "summary.md"), event: join(work, "event.json") };
  await writeFile(files.output, "");
  await writeFile(files.summary, "");
  const event = options.event ?? { name: "pull_request", baseSha: fx.baseSha, headSha: fx.headSha };
  if (event.name === "pull_request") await writeFile(files.event, JSON.stringify(await pullRequestPayload(event.baseSha, event.headSha)));
  else await writeFile(files.event, JSON.stringify({ ref: "refs/heads/main" }));
  // As the runner: every input of action.yml is set, with its default when the workflow gives none.
  const inputs: Record<string, string> = { config: "", manifests: "", catalog: "", "max-tools": "", "safety-margin": "", "fail-on": "error", comment: "true", "github-token": options.token ?? "ghs_e2e-token", ...options.inputs };
  const env: Record<string, string> = {
    ...cleanEnv(),
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_API_URL: github?.url ?? "http://127.0.0.1:9",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "4242",
    GITHUB_SHA: fx.headSha,
    GITHUB_WORKSPACE: options.cwd ?? fx.checkout,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: work,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [fx.bundle], { cwd: options.cwd ?? fx.checkout, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
  return { ...result, outputs: parseOutputFile(await readFile(files.output, "utf8")), summary: await readFile(files.summary, "utf8") };
}

interface Command {
  kind: string;
  props: Record<string, string>;
  message: string;
}

/** The `::kind props::message` workflow commands on stdout, unescaped. */
function commands(stdout: string, kind?: string): Command[] {
  const unescape = (s: string) => s.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
  return stdout
    .split("\n")
    .map((line) => /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      kind: m[1] as string,
      props: Object.fromEntries((m[2] ?? "").split(",").filter(Boolean).map((p) => [p.slice(0, p.indexOf("=")), unescape(p.slice(p.indexOf("=") + 1))])),
      message: unescape(m[3] ?? ""),
    }))
    .filter((c) => kind === undefined || c.kind === kind);
}

const writes = (g: FakeGitHub) => g.requests.filter((r) => r.method !== "GET");
const noStackTrace = (r: RunResult) => expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("the action on a pull request", () => {
  it("annotates, summarises, writes its outputs, comments once, then updates that comment in place", async () => {
    const gh = await startGitHub();
    const first = await runAction();

    expect(first.code).toBe(1);
    noStackTrace(first);
    expect(first.outputs).toMatchObject({ valid: "false", errors: "1", warnings: "1", changed: '["alpha","gamma"]' });
    const plan = JSON.parse(await readFile(first.outputs["plan"] as string, "utf8")) as { apprentices: Array<{ apprentice_type: string; tools: string[]; changes: { added: string[]; removed: string[] } }> };
    expect(plan.apprentices.find((a) => a.apprentice_type === "alpha")?.changes).toEqual({ added: ["ast_parse"], removed: ["bash"] });
    expect(Object.keys((JSON.parse(await readFile(first.outputs["profiles"] as string, "utf8")) as { apprentices: object }).apprentices)).toEqual(["alpha", "beta", "gamma"]);

    // The error sits on a line the pull request adds; the warning on an unchanged file.
    const [error, ...moreErrors] = commands(first.stdout, "error").filter((c) => c.props["file"]);
    expect(moreErrors).toEqual([]);
    expect(error?.props).toMatchObject({ file: "manifests/gamma.yaml", line: "5", col: "5", title: "required-forbidden (apprentice-tools)" });
    expect(error?.message).toContain("Required tool `docker_run` is forbidden by `docker_*`");
    expect(commands(first.stdout, "warning").map((c) => c.props["file"])).toEqual(["manifests/beta.yaml"]);
    const failures = commands(first.stdout, "error").filter((c) => !c.props["file"]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/^apprentice-tools found 1 error\(s\) in the manifests \(fail-on: error\)\. First: manifests\/gamma\.yaml:5:5/);

    expect(first.summary).toContain("❌ **Failed** (fail-on: error): 1 error, 1 warning, 0 notices in 3 manifests.");
    expect(first.summary).toContain("| ❌ error | `manifests/gamma.yaml:5:5` |");
    expect(first.summary).toContain("What pull request #1 changes");
    expect(first.summary).toContain("## Provisioning plan");
    expect(first.summary).toMatch(/`█+░+ 4\/18`/);
    expect(first.summary).toContain("```mermaid\nxychart-beta");

    // The base came from git (fetched into the shallow clone), not through the API.
    expect(gh.requests.some((r) => r.path.includes("/git/trees/"))).toBe(false);
    const comments = gh.state.issue(1).comments;
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expect(body.startsWith(`${PLAN_COMMENT_MARKER}\n`)).toBe(true);
    expect(body).toContain("| ➕ | `ast_parse` | optional |");
    // bash went off the optional list into forbidden_tools: said so, not "no longer listed".
    expect(body).toContain("| ➖ | `bash` | forbidden: bash |");
    expect(body).toMatch(/\| `alpha` \| ✏️ changed \| 4\/18 → 4\/18 \|/);
    expect(body).toContain("`manifests/gamma.yaml:5:5`");
    expect(body).toContain(`at ${fx.headSha.slice(0, 7)} · [details in the job summary](https://github.com/${OWNER}/${REPO}/actions/runs/4242)`);

    // The same run again: the comment is found and left alone.
    const writesBefore = writes(gh).length;
    const second = await runAction();
    expect(second.code).toBe(1);
    expect(writes(gh).length).toBe(writesBefore);
    expect(gh.state.issue(1).comments).toHaveLength(1);

    // A run whose plan differs: the one comment is edited in place.
    const third = await runAction({ inputs: { "max-tools": "4" } });
    expect(third.code).toBe(1);
    const newWrites = writes(gh).slice(writesBefore);
    expect(newWrites.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /repos/${OWNER}/${REPO}/issues/comments/${comments[0]?.id}`]);
    expect(gh.state.issue(1).comments).toHaveLength(1);
    expect(gh.state.issue(1).comments[0]?.body).toMatch(/\| `gamma` \| 🆕 new \| — → 1\/2 \|/);
  }, 180_000);

  it("reads the base through the API when git cannot fetch it", async () => {
    const gh = await startGitHub();
    // A checkout whose remote git cannot reach: only the API has the base.
    const cwd = join(fx.dir, "checkout-offline");
    await git(fx.dir, "clone", "-q", "--depth=1", "--branch", "feature", `file://${join(fx.dir, "origin")}`, cwd);
    await git(cwd, "remote", "set-url", "origin", `file://${join(fx.dir, "nowhere")}`);
    // The manifests given as an absolute path, as `${{ github.workspace }}/manifests` gives them.
    const run = await runAction({ cwd, inputs: { "fail-on": "never", manifests: join(cwd, "manifests") } });

    expect(run.code).toBe(0);
    expect(run.outputs["changed"]).toBe('["alpha","gamma"]');
    expect(run.summary).toMatch(/ in 3 manifests\./);
    expect(gh.requests.some((r) => r.method === "GET" && r.path === `/repos/${OWNER}/${REPO}/git/trees/${fx.baseSha}` && r.query["recursive"] !== undefined)).toBe(true);
    expect(gh.requests.some((r) => decodeURIComponent(r.path) === `/repos/${OWNER}/${REPO}/contents/manifests/alpha.yaml` && r.query["ref"] === fx.baseSha)).toBe(true);
    expect(commands(run.stdout, "warning").filter((c) => !c.props["file"])).toEqual([]);
    expect(gh.state.issue(1).comments[0]?.body).toContain("| ➕ | `ast_parse` | optional |");
  }, 60_000);

  it("with a read-only token (a fork's), skips the comment with one notice and still passes", async () => {
    const gh = await startGitHub();
    gh.readOnly = true;
    const run = await runAction({ inputs: { "fail-on": "never" } });

    expect(run.code).toBe(0);
    noStackTrace(run);
    const notices = commands(run.stdout, "notice").filter((c) => !c.props["file"]);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.message).toMatch(/^Plan comment skipped: GitHub answered 403 \(Resource not accessible by integration/);
    expect(notices[0]?.message).toContain("pull-requests: write");
    expect(gh.state.issue(1).comments).toEqual([]);
    expect(commands(run.stdout, "error").filter((c) => c.props["file"])).toHaveLength(1);
    expect(run.outputs).toMatchObject({ valid: "false", errors: "1", changed: '["alpha","gamma"]' });
    expect(run.summary).toContain("What pull request #1 changes");
  }, 60_000);

  it("with a read-only token still fails on findings, and only on them", async () => {
    const gh = await startGitHub();
    gh.readOnly = true;
    const run = await runAction();
    expect(run.code).toBe(1);
    const failures = commands(run.stdout, "error").filter((c) => !c.props["file"]);
    expect(failures.map((f) => f.message.split("\n")[0])).toEqual([expect.stringMatching(/^apprentice-tools found 1 error\(s\)/)]);
  }, 60_000);
});

describe("bad input: one clear failure naming what to fix", () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(join(fx.dir, "plain-"));
    await writeFiles(workspace, { ...BASE_FILES, "broken.yml": "limits: [max_tools\n" });
  });

  async function failWith(options: RunOptions & { files?: Record<string, string> }): Promise<string> {
    let cwd = workspace;
    if (options.files) {
      cwd = await mkdtemp(join(fx.dir, "case-"));
      await writeFiles(cwd, options.files);
    }
    const run = await runAction({ event: { name: "push" }, cwd, ...options });
    expect(run.code).toBe(1);
    noStackTrace(run);
    const failures = commands(run.stdout, "error").filter((c) => !c.props["file"]);
    expect(failures, run.stdout).toHaveLength(1);
    return failures[0]?.message ?? "";
  }

  it.each([
    ["a missing manifests folder", { "manifests": "agents/" }, /^manifests: no manifest files found at `agents\/` \(the `manifests` input\)\.\nHint: .*actions\/checkout/],
    ["a config file that does not exist", { config: "missing.yml" }, /^config: the config file `missing\.yml` does not exist\.\nHint: /],
    ["a config file that is not valid YAML", { config: "broken.yml" }, /^The config file `broken\.yml` cannot be used:\n {2}broken\.yml:\d+:\d+: .+\nHint: Fix the config file/],
    ["a non-numeric max-tools", { "max-tools": "ten" }, /^max-tools must be a whole number of at least 1; got "ten"\.\nHint: Fix the `with:` inputs/],
    ["an unknown fail-on", { "fail-on": "always" }, /^fail-on must be one of error, warning, never; got "always"\./],
  ] as const)("%s", async (_, inputs, message) => {
    expect(await failWith({ inputs })).toMatch(message);
  }, 60_000);

  it("a YAML file that is not a manifest: its problems are annotated on it, and the failure names it", async () => {
    const files = { ...BASE_FILES, "manifests/ci.yml": "name: CI\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n" };
    const cwd = await mkdtemp(join(fx.dir, "case-"));
    await writeFiles(cwd, files);
    const run = await runAction({ event: { name: "push" }, cwd });
    expect(run.code).toBe(1);
    noStackTrace(run);
    const annotated = commands(run.stdout).filter((c) => c.props["file"] && c.kind === "error");
    expect(new Set(annotated.map((c) => c.props["file"]))).toEqual(new Set(["manifests/ci.yml"]));
    const failures = commands(run.stdout, "error").filter((c) => !c.props["file"]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/First: manifests\/ci\.yml:1:1: manifests\/ci\.yml is not an apprentice manifest/);
    expect(annotated).toHaveLength(1);
  }, 60_000);
});
