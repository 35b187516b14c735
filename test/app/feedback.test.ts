import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import type { EvidenceSink } from "../../src/app/feedback-handler.js";
import createAppDefault, { createApp } from "../../src/app/index.js";
import type { FeedbackEntry } from "../../src/core/feedback-entry.js";
import { OWNERS_MARKER, REPLY_MARKER } from "../../src/core/feedback-reply.js";
import { assertAllMocksUsed } from "../support/http-mock.js";
import { fixtureRepo, renderIssueForm } from "./fixture-repo.js";
import { BOT, expectRequests, issue, MockGitHub, type GhIssue, type GhLabel } from "./github-mock.js";

afterEach(assertAllMocksUsed);

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

/**
 * Throttling and retries off. Given as a function, because probot passes its own throttle
 * options on top of plain-object defaults (`ProbotOctokit.defaults({ throttle: { enabled: false } })`
 * still spaces comments three seconds apart); a function's result is applied last.
 */
const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({ ...options, retry: { enabled: false }, throttle: { ...(options["throttle"] as object), enabled: false } }));

/** What the bot handed to the evidence store, per event: the issue and its accepted entries. */
const recorded: { issue: number; entries: FeedbackEntry[] }[] = [];
afterEach(() => {
  recorded.length = 0;
});

/**
 * The app with the evidence store replaced by a recorder: these tests are about the
 * feedback issue itself (the dashboard's own requests are tested with the dashboard).
 */
async function newProbot(): Promise<Probot> {
  const probot = new Probot({ appId: 1, privateKey, logLevel: "fatal", Octokit: TestOctokit });
  const evidence: EvidenceSink = {
    async record(issue, entries) {
      recorded.push({ issue: issue.number, entries: [...entries] });
      return {};
    },
  };
  await probot.load(createApp({ evidence: () => evidence }));
  return probot;
}

let delivery = 0;
async function deliver(probot: Probot, name: "issues" | "issue_comment", payload: Record<string, unknown>): Promise<void> {
  await probot.receive({ id: `delivery-${++delivery}`, name, payload } as Parameters<Probot["receive"]>[0]);
}

const OWNER_LABELS: GhLabel[] = [
  // Maintainers made this one themselves: the bot must leave its colour and description alone.
  { name: "apprentice-feedback", color: "0052cc", description: "Our own wording" },
  { name: "bug", color: "d73a4a", description: "Something isn't working" },
];

const base = "/repos/acme/fleet";
const T = {
  token: "POST /app/installations/2/access_tokens",
  issue: (n: number) => `GET ${base}/issues/${n}`,
  comments: (n: number) => `GET ${base}/issues/${n}/comments?per_page=100`,
  tree: `GET ${base}/git/trees/main?recursive=true`,
  addLabels: (n: number) => `POST ${base}/issues/${n}/labels`,
  style: (name: string) => `PATCH ${base}/labels/${encodeURIComponent(name)}`,
  remove: (n: number, name: string) => `DELETE ${base}/issues/${n}/labels/${encodeURIComponent(name)}`,
  comment: (n: number) => `POST ${base}/issues/${n}/comments`,
  update: (id: number) => `PATCH ${base}/issues/comments/${id}`,
};

function setup(seed: Partial<GhIssue>, labels: GhLabel[] = OWNER_LABELS): MockGitHub {
  return new MockGitHub(fixtureRepo(), issue(seed), labels);
}

/** Table rows of the reply's markdown table (the header and the separator excluded). */
function tableRows(body: string): string[] {
  return body.split("\n").filter((l) => l.startsWith("| ")).slice(2);
}

const KHIPU_THREE = [
  "Session summary from the nightly review run.",
  "",
  "**Apprentice**: python_patterns_reviewer",
  "",
  "- **Missing Tool**: `treesitter_parse` - Needed for: matching decorated defs across files",
  "- **Tool Problem**: `lint_python` - Issue: ignores the ASYNC rules in pyproject.toml",
  "- **Tool Suggestion**: Replace `glob` with `file_search` - Reason: glob misses ignored folders",
].join("\n");

describe("the app as probot loads it", () => {
  it("is the default export, a function of the app", () => {
    expect(typeof createAppDefault).toBe("function");
  });
});

describe("issue forms", () => {
  it.each<{ kind: string; template: Parameters<typeof renderIssueForm>[0]; values: Record<string, string>; labels: string[]; row: string[] }>([
    {
      kind: "missing tool",
      template: ".github/ISSUE_TEMPLATE/missing-tool.yml",
      values: { apprentice_type: "python_patterns_reviewer", tool: "treesitter_parse", purpose: "Matching decorated defs across files." },
      labels: ["feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:treesitter_parse"],
      row: ["Missing tool", "`python_patterns_reviewer`", "`treesitter_parse`", "Matching decorated defs across files.", "✅ recorded"],
    },
    {
      kind: "tool problem (degraded)",
      template: ".github/ISSUE_TEMPLATE/tool-problem.yml",
      values: { apprentice_type: "python_patterns_reviewer", tool: "lint_python", issue: "Ignores the ASYNC rules.", severity: "degraded" },
      labels: ["feedback:tool-problem", "apprentice:python_patterns_reviewer", "tool:lint_python"],
      row: ["Tool problem", "`python_patterns_reviewer`", "`lint_python`", "**degraded** — Ignores the ASYNC rules.", "✅ recorded"],
    },
    {
      kind: "tool suggestion",
      template: ".github/ISSUE_TEMPLATE/tool-suggestion.yml",
      values: { apprentice_type: "ci_doctor", current_tool: "glob", suggested_tool: "file_search", reason: "Glob misses ignored folders." },
      labels: ["feedback:tool-suggestion", "apprentice:ci_doctor", "tool:glob"],
      row: ["Tool suggestion", "`ci_doctor`", "`glob`", "use `file_search` instead: Glob misses ignored folders.", "✅ recorded"],
    },
  ])("$kind: labels the issue, styles only the labels GitHub created bare, answers once", async ({ template, values, labels, row }) => {
    // A form applies its `apprentice-feedback` label itself.
    const gh = setup({ body: renderIssueForm(template, values), labels: ["apprentice-feedback"] });
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels) gh.styleLabel(l);
    gh.createComment();
    await deliver(await newProbot(), "issues", gh.issuesEvent("opened"));

    expectRequests(gh.calls, [T.token, T.issue(7), ...gh.coldRead(), T.addLabels(7), ...labels.map(T.style), T.comment(7)]);
    const [reply] = gh.botComments();
    expect(reply?.body.startsWith(REPLY_MARKER)).toBe(true);
    expect(tableRows(reply?.body ?? "")).toEqual([`| ${row.join(" | ")} |`]);
    expect(gh.issue.labels).toEqual(["apprentice-feedback", ...labels]);
  });
});

describe("khipu feedback", () => {
  it("reads three entries of an issue body: one request per label GitHub created bare, one reply", async () => {
    const gh = setup({ body: KHIPU_THREE });
    const labels = ["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:treesitter_parse", "feedback:tool-problem", "tool:lint_python", "feedback:tool-suggestion", "tool:glob"];
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels.slice(1)) gh.styleLabel(l);
    gh.createComment();
    await deliver(await newProbot(), "issues", gh.issuesEvent("opened"));

    expectRequests(gh.calls, [T.token, T.issue(7), ...gh.coldRead(), T.addLabels(7), ...labels.slice(1).map(T.style), T.comment(7)]);
    const reply = gh.botComments()[0]?.body ?? "";
    expect(tableRows(reply)).toHaveLength(3);
    expect(reply).toMatchSnapshot();
    expect(recorded.map((r) => [r.issue, r.entries.map((e) => [e.kind, e.apprentice_type, e.tool, e.source.issue_number, e.author])])).toEqual([
      [
        7,
        [
          ["missing-tool", "python_patterns_reviewer", "treesitter_parse", 7, "nightly-apprentice"],
          ["tool-problem", "python_patterns_reviewer", "lint_python", 7, "nightly-apprentice"],
          ["tool-suggestion", "python_patterns_reviewer", "glob", 7, "nightly-apprentice"],
        ],
      ],
    ]);
  });

  it("reads khipu lines from a comment on an ordinary issue", async () => {
    const comment = { id: 501, body: KHIPU_THREE.split("\n").slice(2, 5).join("\n"), user: { login: "nightly-apprentice", type: "User" } };
    const gh = setup({ number: 12, body: "The nightly run on main was slower than usual.", comments: [comment] });
    const labels = ["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:treesitter_parse"];
    gh.token().getIssue().listComments().readRepo("cold").addLabels(labels);
    for (const l of labels.slice(1)) gh.styleLabel(l);
    gh.createComment();
    await deliver(await newProbot(), "issue_comment", gh.commentEvent("created", comment));

    expectRequests(gh.calls, [T.token, T.issue(12), T.comments(12), ...gh.coldRead(), T.addLabels(12), ...labels.slice(1).map(T.style), T.comment(12)]);
    expect(tableRows(gh.botComments()[0]?.body ?? "")).toEqual(["| Missing tool | `python_patterns_reviewer` | `treesitter_parse` | matching decorated defs across files | ✅ recorded |"]);
  });
});

describe("issues that are not feedback", () => {
  it("leaves an ordinary issue alone without a single request", async () => {
    const gh = setup({ body: "The README's install section is out of date.\n\nSee `npm i`.", labels: ["bug"] });
    await deliver(await newProbot(), "issues", gh.issuesEvent("opened"));
    expect(gh.calls).toEqual([]);
    expect(recorded).toEqual([]);
  });

  it("reads an issue shaped like a form, finds no feedback form in it, and writes nothing", async () => {
    const body = "### Steps to reproduce\n\nRun `make`.\n\n### Expected\n\nIt builds.";
    const gh = setup({ body });
    gh.token().getIssue().readRepo("cold");
    await deliver(await newProbot(), "issues", gh.issuesEvent("opened"));
    expectRequests(gh.calls, [T.token, T.issue(7), ...gh.coldRead()]);
  });

  it.each([
    ["its reply", REPLY_MARKER],
    ["its owners notice", OWNERS_MARKER],
  ])("never reacts to %s", async (_what, marker) => {
    const own = { id: 9001, body: `${marker}\n**Missing Tool**: \`ast_parse\` - quoted`, user: { ...BOT } };
    const gh = setup({ body: KHIPU_THREE, labels: ["apprentice-feedback"], comments: [own] });
    const probot = await newProbot();
    await deliver(probot, "issue_comment", gh.commentEvent("created", own));
    await deliver(probot, "issue_comment", gh.commentEvent("edited", own));
    expect(gh.calls).toEqual([]);
  });

  it("never reacts to the labels it sets itself", async () => {
    const gh = setup({ body: KHIPU_THREE, labels: ["apprentice-feedback", "tool:glob"] });
    const payload = gh.issuesEvent("labeled", { label: gh.label("tool:glob"), sender: { login: BOT.login, type: "Bot" } });
    await deliver(await newProbot(), "issues", payload);
    expect(gh.calls).toEqual([]);
  });
});

describe("input the bot cannot act on", () => {
  it("labels needs-info and answers with a did-you-mean and an example to copy", async () => {
    const body = ["**Apprentice**: python_pattern_reviewer", "**Missing Tool**: `ast_parse` - Needed for: decorator checks"].join("\n");
    const gh = setup({ body });
    const labels = ["apprentice-feedback", "feedback:missing-tool", "tool:ast_parse", "needs-info"];
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels.slice(1)) gh.styleLabel(l);
    gh.createComment();
    await deliver(await newProbot(), "issues", gh.issuesEvent("opened"));

    expectRequests(gh.calls, [T.token, T.issue(7), ...gh.coldRead(), T.addLabels(7), ...labels.slice(1).map(T.style), T.comment(7)]);
    const reply = gh.botComments()[0]?.body ?? "";
    expect(reply).toContain("❓ needs info");
    // Nothing it could not understand counts as evidence.
    expect(recorded).toEqual([{ issue: 7, entries: [] }]);
    expect(reply).toContain("no manifest defines");
    expect(reply).toContain("did you mean `python_patterns_reviewer`?");
    // The example to copy names a type this repository has.
    expect(reply).toContain("```markdown\n**Apprentice**: python_patterns_reviewer\n**Missing Tool**: `ast_parse`");
  });
});

describe("idempotence", () => {
  it("a redelivered event makes no comment and no label call (warm blob cache: three reads)", async () => {
    const gh = setup({ body: KHIPU_THREE });
    const probot = await newProbot();
    const labels = ["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:treesitter_parse", "feedback:tool-problem", "tool:lint_python", "feedback:tool-suggestion", "tool:glob"];
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels.slice(1)) gh.styleLabel(l);
    gh.createComment();
    const event = gh.issuesEvent("opened");
    await deliver(probot, "issues", event);
    assertAllMocksUsed();
    gh.calls.length = 0;

    gh.getIssue().listComments().readRepo("warm");
    await deliver(probot, "issues", event);
    expectRequests(gh.calls, [T.issue(7), T.comments(7), T.tree]);
    expect(gh.botComments()).toHaveLength(1);
  });

  it("an edit that changes nothing makes no comment and no label churn", async () => {
    const gh = setup({ body: KHIPU_THREE });
    const probot = await newProbot();
    const labels = ["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:treesitter_parse", "feedback:tool-problem", "tool:lint_python", "feedback:tool-suggestion", "tool:glob"];
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels.slice(1)) gh.styleLabel(l);
    gh.createComment();
    await deliver(probot, "issues", gh.issuesEvent("opened"));
    assertAllMocksUsed();
    gh.calls.length = 0;

    const before = gh.issue.body;
    gh.issue.body = `${before}\n\nThanks for looking!`;
    gh.getIssue().listComments().readRepo("warm");
    await deliver(probot, "issues", gh.issuesEvent("edited", { changes: { body: { from: before } } }));
    expectRequests(gh.calls, [T.issue(7), T.comments(7), T.tree]);
  });

  it("an edit that changes the tool moves the tool label and updates the reply in place", async () => {
    const body = ["**Apprentice**: python_patterns_reviewer", "**Missing Tool**: `treesitter_parse` - Needed for: decorated defs"].join("\n");
    const gh = setup({ body });
    const probot = await newProbot();
    const labels = ["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:treesitter_parse"];
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels.slice(1)) gh.styleLabel(l);
    gh.createComment();
    await deliver(probot, "issues", gh.issuesEvent("opened"));
    assertAllMocksUsed();
    gh.calls.length = 0;
    const replyId = gh.botComments()[0]?.id ?? 0;

    // A maintainer's own label, which the bot never removes.
    gh.issue.labels.push("bug");
    gh.issue.body = body.replace("treesitter_parse", "web_fetch");
    gh.getIssue().listComments().readRepo("warm").addLabels(["tool:web_fetch"]).styleLabel("tool:web_fetch").removeLabel("tool:treesitter_parse").updateComment(replyId);
    await deliver(probot, "issues", gh.issuesEvent("edited", { changes: { body: { from: body } } }));

    expectRequests(gh.calls, [T.issue(7), T.comments(7), T.tree, T.addLabels(7), T.style("tool:web_fetch"), T.remove(7, "tool:treesitter_parse"), T.update(replyId)]);
    expect(gh.botComments()).toHaveLength(1);
    expect(gh.botComments()[0]?.body).toContain("`web_fetch`");
    expect(gh.issue.labels).toEqual(["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "bug", "tool:web_fetch"]);
  });
});

describe("critical feedback", () => {
  it.each([
    { why: "a blocking problem", values: { tool: "lint_python", severity: "blocking" }, note: "`lint_python` (blocking)" },
    { why: "a problem with a required tool", values: { tool: "ast_parse", severity: "minor" }, note: "`ast_parse` (a required tool)" },
  ])("$why: severity:critical and ONE owners notice naming the manifest's CODEOWNERS, not repeated on edit", async ({ values, note }) => {
    const form = (issueText: string) => renderIssueForm(".github/ISSUE_TEMPLATE/tool-problem.yml", { apprentice_type: "python_patterns_reviewer", issue: issueText, ...values });
    const gh = setup({ body: form("Crashes on every file."), labels: ["apprentice-feedback"] });
    const probot = await newProbot();
    const labels = ["feedback:tool-problem", "apprentice:python_patterns_reviewer", `tool:${values.tool}`, "severity:critical"];
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels) gh.styleLabel(l);
    gh.createComment().createComment();
    await deliver(probot, "issues", gh.issuesEvent("opened"));

    expectRequests(gh.calls, [T.token, T.issue(7), ...gh.coldRead(), T.addLabels(7), ...labels.map(T.style), T.comment(7), T.comment(7)]);
    const [reply, notice] = gh.botComments();
    expect(reply?.body).toContain("🔴 critical");
    expect(notice?.body).toBe(`${OWNERS_MARKER}\n🔴 **Critical apprentice feedback**\n\n@acme/python-guild @alice — \`python_patterns_reviewer\` reports a critical problem with ${note}.\n`);
    assertAllMocksUsed();
    gh.calls.length = 0;

    const before = gh.issue.body;
    gh.issue.body = form("Crashes on every file, even empty ones.");
    gh.getIssue().listComments().readRepo("warm").updateComment(reply?.id ?? 0);
    await deliver(probot, "issues", gh.issuesEvent("edited", { changes: { body: { from: before } } }));
    expectRequests(gh.calls, [T.issue(7), T.comments(7), T.tree, T.update(reply?.id ?? 0)]);
    expect(gh.botComments()).toHaveLength(2);
  });
});

describe("feedback about a forbidden tool", () => {
  it("is accepted and labelled; the reply names the policy, the pattern's place and who can change it", async () => {
    const body = ["**Apprentice**: python_patterns_reviewer", "**Missing Tool**: `docker_run` - Needed for: running the tests of the PR"].join("\n");
    const gh = setup({ body });
    const labels = ["apprentice-feedback", "feedback:missing-tool", "apprentice:python_patterns_reviewer", "tool:docker_run"];
    gh.token().getIssue().readRepo("cold").addLabels(labels);
    for (const l of labels.slice(1)) gh.styleLabel(l);
    gh.createComment();
    await deliver(await newProbot(), "issues", gh.issuesEvent("opened"));

    expectRequests(gh.calls, [T.token, T.issue(7), ...gh.coldRead(), T.addLabels(7), ...labels.slice(1).map(T.style), T.comment(7)]);
    const reply = gh.botComments()[0]?.body ?? "";
    expect(gh.issue.labels).not.toContain("needs-info");
    expect(tableRows(reply)[0]).toContain("🚫 forbidden by policy");
    expect(reply).toContain("is **forbidden by policy** for `python_patterns_reviewer`: the pattern `docker_*` in `manifests/python_patterns_reviewer.yaml:14` excludes it.");
    // Who can change it, named without pinging them.
    expect(reply).toContain("its owners (`@\u200bacme/python-guild`, `@\u200balice`) can change the policy in a pull request");
    expect(reply).not.toMatch(/@[A-Za-z0-9]/);
  });
});
