import { getOctokit } from "@actions/github";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { secondaryRateLimit, startFakeGitHub, type FakeGitHub } from "./fake-github.js";

const owner = "mallku";
const repo = "fleet";

let gh: FakeGitHub;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  gh = await startFakeGitHub({ owner, repo });
  octokit = getOctokit("test-token", { baseUrl: gh.url });
});

afterEach(async () => {
  await gh.close();
});

/** The HTTP status of a failed Octokit call (fails the test if the call succeeds). */
async function statusOf(call: Promise<unknown>): Promise<{ status: number; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    const { status, response } = error as { status: number; response?: { data: Record<string, unknown> } };
    return { status, data: response?.data ?? {} };
  }
  throw new Error("expected the request to fail");
}

const decode = (content: string): string => Buffer.from(content, "base64").toString("utf8");

describe("fake GitHub: issues and comments", () => {
  it("creates, comments on, updates and reads back an issue", async () => {
    const { data: created, status } = await octokit.rest.issues.create({ owner, repo, title: "Missing ast_parse", body: "**Missing Tool**: `ast_parse`", labels: ["apprentice-feedback"] });
    expect(status).toBe(201);
    expect(created).toMatchObject({ number: 1, state: "open", state_reason: null, user: { login: "apprentice-tools[bot]", type: "Bot" }, labels: [{ name: "apprentice-feedback", color: "ededed" }] });
    expect(created.html_url).toBe(`${gh.url}/${owner}/${repo}/issues/1`);

    const { data: comment } = await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: "thanks" });
    await octokit.rest.issues.updateComment({ owner, repo, comment_id: comment.id, body: "thanks, counted" });
    await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: "closed", state_reason: "not_planned" });

    const { data: issue } = await octokit.rest.issues.get({ owner, repo, issue_number: 1 });
    expect(issue).toMatchObject({ state: "closed", state_reason: "not_planned", comments: 1 });
    expect(issue.closed_at).not.toBeNull();
    expect(gh.state.issue(1).comments.map((c) => c.body)).toEqual(["thanks, counted"]);

    await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: "open" });
    expect(gh.state.issue(1)).toMatchObject({ state: "open", stateReason: "reopened", closedAt: null });

    expect((await octokit.rest.issues.deleteComment({ owner, repo, comment_id: comment.id })).status).toBe(204);
    expect(gh.state.issue(1).comments).toEqual([]);
    expect((await statusOf(octokit.rest.issues.getComment({ owner, repo, comment_id: comment.id }))).status).toBe(404);
  });

  it("answers 404 for a missing issue and 422 for an issue without a title", async () => {
    expect((await statusOf(octokit.rest.issues.get({ owner, repo, issue_number: 99 }))).status).toBe(404);
    expect((await statusOf(octokit.rest.issues.create({ owner, repo, title: "" }))).status).toBe(422);
    expect((await statusOf(octokit.rest.issues.get({ owner, repo: "other", issue_number: 1 }))).status).toBe(404);
  });

  it("lists with filters, sorting and Link pagination", async () => {
    for (let i = 1; i <= 5; i++) {
      gh.state.seedIssue({ title: `report ${i}`, labels: i % 2 === 0 ? ["apprentice-feedback", "tool:grep"] : ["apprentice-feedback"], createdAt: `2026-01-0${i}T00:00:00Z` });
    }
    gh.state.seedIssue({ title: "closed one", state: "closed", stateReason: "not_planned" });

    const first = await octokit.rest.issues.listForRepo({ owner, repo, per_page: 2 });
    expect(first.data.map((i) => i.number)).toEqual([5, 4]);
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain(`<${gh.url}/repos/${owner}/${repo}/issues?per_page=2&page=3>; rel="last"`);

    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, per_page: 2, sort: "created", direction: "asc" });
    expect(all.map((i) => i.title)).toEqual(["report 1", "report 2", "report 3", "report 4", "report 5"]);

    const grep = await octokit.rest.issues.listForRepo({ owner, repo, labels: "apprentice-feedback,TOOL:GREP", state: "all" });
    expect(grep.data.map((i) => i.number)).toEqual([4, 2]);
    const closed = await octokit.rest.issues.listForRepo({ owner, repo, state: "closed" });
    expect(closed.data.map((i) => [i.number, i.state_reason])).toEqual([[6, "not_planned"]]);

    gh.state.seedComment(1, "one");
    gh.state.seedComment(1, { body: "two", user: "alice" });
    gh.state.seedComment(1, "three");
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: 1, per_page: 2 });
    expect(comments.map((c) => [c.body, c.user?.login])).toEqual([["one", "apprentice-tools[bot]"], ["two", "alice"], ["three", "apprentice-tools[bot]"]]);
  });
});

describe("fake GitHub: labels", () => {
  it("creates a label once, then answers 422 already_exists (case-insensitively)", async () => {
    const created = await octokit.rest.issues.createLabel({ owner, repo, name: "needs-info", color: "FBCA04", description: "More detail wanted" });
    expect(created.status).toBe(201);
    const again = await statusOf(octokit.rest.issues.createLabel({ owner, repo, name: "Needs-Info", color: "fbca04" }));
    expect(again.status).toBe(422);
    expect(again.data["errors"]).toEqual([{ resource: "Label", code: "already_exists", field: "name" }]);
    expect((await octokit.rest.issues.getLabel({ owner, repo, name: "needs-info" })).data).toMatchObject({ color: "fbca04", description: "More detail wanted" });
    expect((await statusOf(octokit.rest.issues.getLabel({ owner, repo, name: "absent" }))).status).toBe(404);
  });

  it.each([
    ["a name over 50 characters", { name: "x".repeat(51) }],
    ["a colour with #", { name: "ok", color: "#ffffff" }],
    ["a description over 100 characters", { name: "ok", description: "d".repeat(101) }],
  ])("refuses %s with 422", async (_case, label) => {
    expect((await statusOf(octokit.rest.issues.createLabel({ owner, repo, ...label }))).status).toBe(422);
  });

  it("adds, removes and sets the labels of an issue", async () => {
    gh.state.seedLabel({ name: "severity:critical", color: "b60205" });
    const issue = gh.state.seedIssue({ title: "t", labels: ["apprentice-feedback"] });
    const added = await octokit.rest.issues.addLabels({ owner, repo, issue_number: issue.number, labels: ["SEVERITY:CRITICAL", "tool:grep"] });
    expect(added.data.map((l) => l.name)).toEqual(["apprentice-feedback", "severity:critical", "tool:grep"]);
    expect(gh.state.labels.get("tool:grep")?.color).toBe("ededed");

    const removed = await octokit.rest.issues.removeLabel({ owner, repo, issue_number: issue.number, name: "tool:grep" });
    expect(removed.data.map((l) => l.name)).toEqual(["apprentice-feedback", "severity:critical"]);
    const absent = await statusOf(octokit.rest.issues.removeLabel({ owner, repo, issue_number: issue.number, name: "tool:grep" }));
    expect(absent).toMatchObject({ status: 404, data: { message: "Label does not exist" } });

    await octokit.rest.issues.setLabels({ owner, repo, issue_number: issue.number, labels: ["needs-info"] });
    expect(gh.state.issue(issue.number).labels).toEqual(["needs-info"]);
    const listed = await octokit.paginate(octokit.rest.issues.listLabelsForRepo, { owner, repo, per_page: 1 });
    expect(listed.map((l) => l.name).sort()).toEqual(["apprentice-feedback", "needs-info", "severity:critical", "tool:grep"]);
  });
});

describe("fake GitHub: contents, refs and git data", () => {
  it("round-trips a file and checks the sha like GitHub (422 missing, 409 stale)", async () => {
    gh.state.seedFile("main", "manifests/python_patterns.yml", "apprentice_type: python_patterns\n");
    const { data } = await octokit.rest.repos.getContent({ owner, repo, path: "manifests/python_patterns.yml", ref: "main" });
    if (Array.isArray(data) || data.type !== "file") throw new Error("expected a file");
    expect(decode(data.content)).toBe("apprentice_type: python_patterns\n");
    expect(data).toMatchObject({ encoding: "base64", name: "python_patterns.yml" });

    const content = Buffer.from("apprentice_type: python_patterns\n# edited\n").toString("base64");
    const path = "manifests/python_patterns.yml";
    expect((await statusOf(octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: "m", content }))).status).toBe(422);
    expect((await statusOf(octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: "m", content, sha: "0".repeat(40) }))).status).toBe(409);
    const updated = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path, message: "m", content, sha: data.sha });
    expect(updated.status).toBe(200);
    expect(gh.state.file("main", path)).toBe("apprentice_type: python_patterns\n# edited\n");
    const created = await octokit.rest.repos.createOrUpdateFileContents({ owner, repo, path: "manifests/new.yml", message: "m", content });
    expect(created.status).toBe(201);

    const listing = await octokit.rest.repos.getContent({ owner, repo, path: "manifests" });
    expect(Array.isArray(listing.data) && listing.data.map((e) => [e.name, e.type])).toEqual([["new.yml", "file"], ["python_patterns.yml", "file"]]);
    const root = await octokit.rest.repos.getContent({ owner, repo, path: "" });
    expect(Array.isArray(root.data) && root.data.map((e) => [e.name, e.type])).toEqual([["manifests", "dir"]]);
    expect((await statusOf(octokit.rest.repos.getContent({ owner, repo, path: "missing.yml" }))).status).toBe(404);
    expect((await statusOf(octokit.rest.repos.getContent({ owner, repo, path, ref: "no-branch" }))).status).toBe(404);

    const raw = await octokit.rest.repos.getContent({ owner, repo, path, mediaType: { format: "raw" } });
    expect(raw.data).toBe("apprentice_type: python_patterns\n# edited\n");
  });

  it("creates a branch ref once (422 when it exists), lists its tree and deletes it", async () => {
    const sha = gh.state.seedFiles("main", { "a.txt": "a\n", "dir/b.txt": "b\n" });
    const { data: main } = await octokit.rest.git.getRef({ owner, repo, ref: "heads/main" });
    expect(main.object.sha).toBe(sha);

    const ref = "refs/heads/apprentice-tools/python_patterns";
    expect((await octokit.rest.git.createRef({ owner, repo, ref, sha })).status).toBe(201);
    const exists = await statusOf(octokit.rest.git.createRef({ owner, repo, ref, sha }));
    expect(exists).toMatchObject({ status: 422, data: { message: "Reference already exists" } });

    const tree = await octokit.rest.git.getTree({ owner, repo, tree_sha: "apprentice-tools/python_patterns", recursive: "1" });
    expect(tree.data.tree.map((e) => [e.path, e.type])).toEqual([["a.txt", "blob"], ["dir", "tree"], ["dir/b.txt", "blob"]]);

    expect((await octokit.rest.git.deleteRef({ owner, repo, ref: "heads/apprentice-tools/python_patterns" })).status).toBe(204);
    expect((await statusOf(octokit.rest.git.getRef({ owner, repo, ref: "heads/apprentice-tools/python_patterns" }))).status).toBe(404);
    expect((await statusOf(octokit.rest.git.deleteRef({ owner, repo, ref: "heads/apprentice-tools/python_patterns" }))).status).toBe(422);
  });

  it("builds a commit from blobs and trees and fast-forwards a ref", async () => {
    const base = gh.state.seedFile("main", "keep.txt", "keep\n");
    const { data: blob } = await octokit.rest.git.createBlob({ owner, repo, content: "new\n" });
    const { data: baseCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: base });
    const { data: tree } = await octokit.rest.git.createTree({ owner, repo, base_tree: baseCommit.tree.sha, tree: [{ path: "x/new.txt", mode: "100644", type: "blob", sha: blob.sha }] });
    const { data: commit } = await octokit.rest.git.createCommit({ owner, repo, message: "add", tree: tree.sha, parents: [base] });
    await octokit.rest.git.updateRef({ owner, repo, ref: "heads/main", sha: commit.sha });
    expect(gh.state.files("main")).toEqual({ "keep.txt": "keep\n", "x/new.txt": "new\n" });
    expect((await statusOf(octokit.rest.git.updateRef({ owner, repo, ref: "heads/main", sha: base }))).status).toBe(422);
  });
});

describe("fake GitHub: pull requests", () => {
  it("opens one PR per head (422 for a second), lists by head, shows files and merges", async () => {
    gh.state.seedFile("main", "manifests/p.yml", "a\nb\nc\n");
    gh.state.seedFile("apprentice-tools/p", "manifests/p.yml", "a\nB\nc\n");
    const head = "apprentice-tools/p";
    const { data: pr, status } = await octokit.rest.pulls.create({ owner, repo, head, base: "main", title: "Add ast_parse", body: "evidence" });
    expect(status).toBe(201);
    expect(pr).toMatchObject({ number: 1, state: "open", merged: false, head: { ref: head }, base: { ref: "main" } });

    const duplicate = await statusOf(octokit.rest.pulls.create({ owner, repo, head, base: "main", title: "again" }));
    expect(duplicate.status).toBe(422);
    expect(JSON.stringify(duplicate.data["errors"])).toContain(`A pull request already exists for ${owner}:${head}.`);

    const listed = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${head}` });
    expect(listed.data.map((p) => p.number)).toEqual([1]);
    const none = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:other` });
    expect(none.data).toEqual([]);

    const files = await octokit.rest.pulls.listFiles({ owner, repo, pull_number: 1 });
    expect(files.data).toMatchObject([{ filename: "manifests/p.yml", status: "modified", additions: 1, deletions: 1, patch: "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c" }]);

    await octokit.rest.pulls.update({ owner, repo, pull_number: 1, body: "more evidence" });
    await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: "a PR comment goes through the issues API" });
    const merged = await octokit.rest.pulls.merge({ owner, repo, pull_number: 1 });
    expect(merged.data.merged).toBe(true);
    expect(gh.state.file("main", "manifests/p.yml")).toBe("a\nB\nc\n");
    expect((await octokit.rest.pulls.get({ owner, repo, pull_number: 1 })).data).toMatchObject({ state: "closed", merged: true, body: "more evidence", comments: 1 });
    expect((await statusOf(octokit.rest.pulls.merge({ owner, repo, pull_number: 1 }))).status).toBe(405);

    const issues = await octokit.rest.issues.listForRepo({ owner, repo, state: "all" });
    expect(issues.data[0]?.pull_request?.merged_at).not.toBeNull();
  });

  it("seeds a PR with the number and commit SHAs a webhook payload names, and compares them", async () => {
    const baseSha = "a".repeat(40);
    const headSha = "b".repeat(40);
    gh.state.seedFiles("main", { "manifests/p.yml": "one\n" }, { sha: baseSha });
    gh.state.seedFiles("feature", { "manifests/p.yml": "one\ntwo\n" }, { sha: headSha });
    gh.state.seedPull({ number: 7, head: "feature", title: "Edit p" });
    const { data: pr } = await octokit.rest.pulls.get({ owner, repo, pull_number: 7 });
    expect(pr).toMatchObject({ head: { sha: headSha }, base: { sha: baseSha } });
    expect((await octokit.rest.issues.create({ owner, repo, title: "next" })).data.number).toBe(8);

    const { data: comparison } = await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${baseSha}...${headSha}` });
    expect(comparison).toMatchObject({ status: "ahead", ahead_by: 1, behind_by: 0, merge_base_commit: { sha: baseSha } });
    expect(comparison.files?.map((f) => f.patch)).toEqual(["@@ -1 +1,2 @@\n one\n+two"]);
    const content = await octokit.rest.repos.getContent({ owner, repo, path: "manifests/p.yml", ref: baseSha });
    expect(Array.isArray(content.data) || content.data.type !== "file" ? undefined : decode(content.data.content)).toBe("one\n");
  });

  it("refuses a PR from a missing branch", async () => {
    gh.state.seedFile("main", "f", "x");
    expect((await statusOf(octokit.rest.pulls.create({ owner, repo, head: "nope", base: "main", title: "t" }))).status).toBe(422);
  });
});

describe("fake GitHub: auth, failures, unhandled endpoints and the Enterprise prefix", () => {
  it.each([
    ["create an issue", (o: typeof octokit) => o.rest.issues.create({ owner, repo, title: "t" })],
    ["comment", (o: typeof octokit) => o.rest.issues.createComment({ owner, repo, issue_number: 1, body: "b" })],
    ["add labels", (o: typeof octokit) => o.rest.issues.addLabels({ owner, repo, issue_number: 1, labels: ["x"] })],
    ["delete a ref", (o: typeof octokit) => o.rest.git.deleteRef({ owner, repo, ref: "heads/main" })],
  ])("read-only: %s answers 403 and changes nothing", async (_name, write) => {
    gh.state.seedIssue({ title: "existing" });
    gh.state.seedFile("main", "f", "x");
    gh.readOnly = true;
    const before = gh.state.snapshot();
    const denied = await statusOf(write(octokit));
    expect(denied).toMatchObject({ status: 403, data: { message: "Resource not accessible by integration" } });
    expect(gh.state.snapshot()).toEqual(before);
    expect((await octokit.rest.issues.get({ owner, repo, issue_number: 1 })).status).toBe(200);
  });

  it("read-only still issues installation tokens", async () => {
    await gh.close();
    gh = await startFakeGitHub({ owner, repo, readOnly: true });
    const token = await fetch(`${gh.url}/app/installations/1/access_tokens`, { method: "POST" });
    expect(token.status).toBe(201);
    expect(await token.json()).toMatchObject({ token: expect.stringMatching(/^ghs_/), permissions: { issues: "write" } });
    const installation = await fetch(`${gh.url}/repos/${owner}/${repo}/installation`);
    expect(await installation.json()).toMatchObject({ id: 1, account: { login: owner } });
  });

  it("records a request to an unimplemented endpoint and answers 501", async () => {
    const result = await statusOf(octokit.rest.reactions.createForIssue({ owner, repo, issue_number: 1, content: "+1" }));
    expect(result.status).toBe(501);
    expect(gh.unhandled).toEqual([`POST /repos/${owner}/${repo}/issues/1/reactions`]);
  });

  it("failNext answers the given failure the given number of times, then handles normally", async () => {
    gh.failNext({ method: "POST", path: /\/issues$/ }, { status: 502, body: { message: "Bad Gateway" } }, 2);
    expect((await statusOf(octokit.rest.issues.create({ owner, repo, title: "t" }))).status).toBe(502);
    expect((await statusOf(octokit.rest.issues.create({ owner, repo, title: "t" }))).status).toBe(502);
    expect(gh.state.issues.size).toBe(0);
    expect((await octokit.rest.issues.create({ owner, repo, title: "t" })).status).toBe(201);
    expect(gh.requests.map((r) => r.status)).toEqual([502, 502, 201]);

    gh.failNext({ path: /\/labels$/ }, secondaryRateLimit(2));
    const limited = await fetch(`${gh.url}/repos/${owner}/${repo}/labels`);
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([403, "2"]);
    expect((await fetch(`${gh.url}/repos/${owner}/${repo}/labels`)).status).toBe(200);
  });

  it("serves the same API under /api/v3, with links under the prefix", async () => {
    const enterprise = getOctokit("t", { baseUrl: gh.apiV3Url });
    gh.state.seedIssue({ title: "one" });
    gh.state.seedIssue({ title: "two" });
    const page = await enterprise.rest.issues.listForRepo({ owner, repo, per_page: 1 });
    expect(page.headers.link).toContain(`${gh.apiV3Url}/repos/${owner}/${repo}/issues?per_page=1&page=2`);
    expect(page.data[0]?.url).toBe(`${gh.apiV3Url}/repos/${owner}/${repo}/issues/2`);
    expect((await enterprise.rest.repos.get({ owner, repo })).data).toMatchObject({ default_branch: "main", full_name: `${owner}/${repo}` });
    expect(gh.requests.map((r) => r.path)).toEqual([`/repos/${owner}/${repo}/issues`, `/repos/${owner}/${repo}`]);
  });
});
