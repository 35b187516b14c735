import { generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { Probot, ProbotOctokit } from "probot";
import { createApp, type AppOptions } from "../../src/app/index.js";
import { decodeState } from "../../src/app/state-codec.js";
import { DASHBOARD_MARKER, extractStateBlob } from "../../src/core/dashboard-render.js";
import { parseDashboardState, type DashboardState } from "../../src/core/dashboard-state.js";
import { LABELS } from "../../src/core/labels.js";
import { startFakeGitHub, type FakeGitHub, type FakeIssue, type RecordedRequest } from "../support/fake-github.js";

/**
 * The bot's dashboard and proposals against the stateful fake GitHub: a repository with a
 * commented manifest, a catalog and thresholds in its config; the real app in probot;
 * webhook payloads shaped like `@octokit/webhooks-examples`.
 */

type Json = Record<string, unknown>;
interface ExampleSet {
  name: string;
  examples: Json[];
}
const EXAMPLES = createRequire(import.meta.url)("@octokit/webhooks-examples") as ExampleSet[];

function example(name: string, action: string): Json {
  const set = EXAMPLES.find((e) => e.name === name)?.examples ?? [];
  const found = set.find((e) => e["action"] === action) ?? set[0];
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name} example`);
  return { ...structuredClone(found), action };
}

export const OWNER = "acme";
export const REPO = "fleet";
export const INSTALLATION_ID = 77;
/** The clock of the bot and of the fake GitHub: reports made "now" weigh exactly 1. */
export const FIXED = new Date("2026-11-10T12:00:00Z");

export const MANIFEST_PATH = "manifests/python_patterns.yaml";
export const MANIFEST = [
  "# yaml-language-server: $schema=../schema/manifest.schema.json",
  "# The Python reviewer: it reads code and never writes it.",
  "apprentice_type: python_patterns",
  'description: "Reviews Python changes for idiomatic patterns"   # shown in the plan',
  "",
  "required_tools:",
  "  - read_file   # everything starts here",
  "  - grep",
  "",
  "optional_tools:   # most wanted first",
  "  - glob        # finding files",
  "  - lint_python",
  "",
  "forbidden_tools:",
  "  - write_file",
  "  - docker_*    # no containers, ever",
  "",
].join("\n");

export const CONFIG = [
  "# apprentice-tools: the fleet's settings",
  "catalog: manifests/catalog/",
  "feedback:",
  "  half_life_days: 90",
  "  thresholds: { add: 3, remove_unused: 30, replace: 3 }",
  "  distinct_reporters: true",
  "",
].join("\n");

export const CATALOG = JSON.stringify(["read_file", "grep", "glob", "lint_python", "ast_parse", "treesitter_parse", "file_search", "write_file", "docker_run"], null, 2);

export function repoFiles(config = CONFIG): Record<string, string> {
  return { "apprentice-tools.yml": config, [MANIFEST_PATH]: MANIFEST, "manifests/catalog/code.json": CATALOG, "README.md": "# acme/fleet\n" };
}

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

export function khipuMissing(tool: string, type = "python_patterns", why = "parsing decorated definitions"): string {
  return `Session summary.\n\n**Apprentice**: ${type}\n\n- **Missing Tool**: \`${tool}\` - Needed for: ${why}`;
}

export interface Bot {
  gh: FakeGitHub;
  probot: Probot;
  /** Delivers a webhook; rejects when a handler failed. */
  send(name: string, action: string, payload: Json): Promise<void>;
  /** Every webhook delivered so far, in order. */
  deliveries: { name: string; action: string; payload: Json }[];
  /** Delivers the `index`th webhook again (negative: from the end), as GitHub's "Redeliver" does. */
  redeliver(index: number): Promise<void>;
  /** A reporter opens an issue (seeded in the fake, then `issues.opened`). */
  report(author: string, body: string, options?: { labels?: string[] }): Promise<number>;
  edit(issue: number, body: string): Promise<void>;
  close(issue: number, reason: "completed" | "not_planned"): Promise<void>;
  reopen(issue: number): Promise<void>;
  comment(issue: number, author: string, body: string): Promise<void>;
  /** The bot's PR closed: merged (through the fake's merge) or declined. */
  closePull(pull: number, merged: boolean): Promise<void>;
  dashboard(): FakeIssue | undefined;
  state(): DashboardState;
  /** Requests after `mark`, as `METHOD /path`. */
  since(mark: number): string[];
  writes(mark: number): string[];
  close_(): Promise<void>;
}

const repoPath = `/repos/${OWNER}/${REPO}`;
/** `METHOD path` with the repository prefix shortened to `~`. */
export const line = (r: RecordedRequest): string => `${r.method} ${r.path.replace(repoPath, "~")}`;

export async function startBot(options: { files?: Record<string, string>; app?: AppOptions } = {}): Promise<Bot> {
  const gh = await startFakeGitHub({ owner: OWNER, repo: REPO, installationId: INSTALLATION_ID, clock: () => FIXED });
  gh.state.seedFiles("main", options.files ?? repoFiles(), { message: "the fleet's manifests" });
  const Octokit = ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, baseUrl: gh.url, retry: { enabled: false }, throttle: { ...(o["throttle"] as object), enabled: false } }));
  const probot = new Probot({ appId: 1, privateKey, logLevel: "fatal", Octokit, baseUrl: gh.url });
  await probot.load(createApp({ now: () => FIXED, ...options.app }));
  let delivery = 0;

  const where = (payload: Json): Json => {
    const repository = payload["repository"] as Json & { owner: Json };
    payload["repository"] = { ...repository, name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main", owner: { ...repository.owner, login: OWNER, type: "Organization" } };
    payload["installation"] = { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc=" };
    return payload;
  };
  const issueJson = (base: Json, issue: FakeIssue): Json => ({
    ...base,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    state_reason: issue.stateReason,
    labels: issue.labels.map((name) => ({ name, color: gh.state.labels.get(name.toLowerCase())?.color ?? "ededed" })),
    user: { ...(base["user"] as Json), login: issue.user.login, type: issue.user.type },
    comments: issue.comments.length,
    pull_request: undefined,
  });
  const issuesEvent = (action: string, n: number, sender: string): Json => {
    const payload = where(example("issues", action));
    payload["issue"] = issueJson(payload["issue"] as Json, gh.state.issue(n));
    payload["sender"] = { ...(payload["sender"] as Json), login: sender, type: sender.endsWith("[bot]") ? "Bot" : "User" };
    if (action === "edited") payload["changes"] = { body: { from: "" } };
    return payload;
  };

  const bot: Bot = {
    gh,
    probot,
    deliveries: [],
    async redeliver(index) {
      const d = bot.deliveries.at(index);
      if (!d) throw new Error(`no delivery ${index}`);
      await bot.send(d.name, d.action, d.payload);
    },
    async send(name, action, payload) {
      bot.deliveries.push({ name, action, payload: structuredClone(payload) });
      await probot.receive({ id: `delivery-${++delivery}`, name, payload: { ...payload, action } } as unknown as Parameters<Probot["receive"]>[0]);
    },
    async report(author, body, opts = {}) {
      const issue = gh.state.seedIssue({ title: "Apprentice feedback", body, user: author, labels: opts.labels ?? [] });
      await bot.send("issues", "opened", issuesEvent("opened", issue.number, author));
      return issue.number;
    },
    async edit(n, body) {
      const issue = gh.state.issue(n);
      issue.body = body;
      gh.state.touch(issue);
      await bot.send("issues", "edited", issuesEvent("edited", n, issue.user.login));
    },
    async close(n, reason) {
      gh.state.setIssueState(gh.state.issue(n), "closed", reason);
      await bot.send("issues", "closed", issuesEvent("closed", n, "maintainer"));
    },
    async reopen(n) {
      gh.state.setIssueState(gh.state.issue(n), "open", undefined);
      await bot.send("issues", "reopened", issuesEvent("reopened", n, "maintainer"));
    },
    async comment(n, author, body) {
      const c = gh.state.seedComment(n, { body, user: author });
      const payload = where(example("issue_comment", "created"));
      payload["issue"] = issueJson(payload["issue"] as Json, gh.state.issue(n));
      payload["comment"] = { ...(payload["comment"] as Json), id: c.id, body, user: { login: author, type: "User" } };
      payload["sender"] = { login: author, type: "User" };
      await bot.send("issue_comment", "created", payload);
    },
    async closePull(n, merged) {
      if (merged) {
        const answer = await fetch(`${gh.url}${repoPath}/pulls/${n}/merge`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ merge_method: "squash" }) });
        if (answer.status !== 200) throw new Error(`the fake GitHub did not merge #${n}: ${answer.status} ${await answer.text()}`);
      }
      const { pull, issue } = gh.state.findPull(n);
      if (issue.state === "open") gh.state.setIssueState(issue, "closed", null);
      const payload = where(example("pull_request", "closed"));
      const base = payload["pull_request"] as Json & { head: Json; base: Json };
      payload["pull_request"] = {
        ...base,
        number: n,
        state: "closed",
        merged,
        title: issue.title,
        body: issue.body,
        labels: issue.labels.map((name) => ({ name })),
        head: { ...base.head, ref: pull.head, sha: pull.headSha },
        base: { ...base.base, ref: pull.base },
      };
      await bot.send("pull_request", "closed", payload);
    },
    dashboard() {
      return [...gh.state.issues.values()].find((i) => i.labels.includes(LABELS.dashboard.name) && (i.body ?? "").startsWith(DASHBOARD_MARKER));
    },
    state() {
      const body = bot.dashboard()?.body ?? undefined;
      const json = decodeState(body ? extractStateBlob(body) : undefined);
      if (json === undefined) throw new Error("the dashboard has no readable state");
      const parsed = parseDashboardState(json);
      if (parsed.broken) throw new Error("the dashboard's state is broken");
      return parsed.state;
    },
    since: (mark) => gh.requests.slice(mark).map(line),
    writes: (mark) => gh.requests.slice(mark).filter((r) => r.method !== "GET").map(line),
    close_: () => gh.close(),
  };
  return bot;
}
