import { getOctokit } from "@actions/github";
import { afterEach, describe, expect, it } from "vitest";
import { createCheckPort, type CheckPort } from "../../src/github/check-port.js";
import { upsertStickyComment } from "../../src/github/sticky-comment.js";
import { startFakeGitHub, type FakeGitHub } from "../support/fake-github.js";

const MARKER = "<!-- apprentice-tools:plan -->";
let github: FakeGitHub | undefined;

afterEach(async () => {
  if (!github) return;
  expect(github.unhandled).toEqual([]);
  await github.close();
  github = undefined;
});

async function setup(): Promise<{ gh: FakeGitHub; port: CheckPort }> {
  github = await startFakeGitHub({ owner: "o", repo: "r", actor: { login: "github-actions[bot]", type: "Bot" } });
  github.state.seedFiles("main", { "manifests/a.yaml": "apprentice_type: a\n", "README.md": "hi\n" });
  github.state.seedFiles("feature", { "manifests/a.yaml": "apprentice_type: a\ndescription: x\n" });
  github.state.seedPull({ head: "feature", title: "t" });
  return { gh: github, port: createCheckPort(getOctokit("token", { baseUrl: github.url }), { owner: "o", repo: "r" }) };
}

describe("the check's port to GitHub", () => {
  it("lists a revision's files and reads them, with undefined for a missing one", async () => {
    const { gh, port } = await setup();
    const sha = gh.state.git.branchSha("main") as string;
    expect(await port.listTreeFiles(sha)).toEqual({ files: ["README.md", "manifests/a.yaml"], truncated: false });
    expect(Buffer.from((await port.readFile("manifests/a.yaml", sha)) ?? []).toString()).toBe("apprentice_type: a\n");
    expect(await port.readFile("manifests/none.yaml", sha)).toBeUndefined();
  });

  it("lists a pull request's files with their patches", async () => {
    const { port } = await setup();
    const [file] = await port.listPullFiles(1);
    expect(file).toMatchObject({ filename: "manifests/a.yaml", status: "modified" });
    expect(file?.patch).toContain("+description: x");
  });
});

describe("upsertStickyComment", () => {
  it("creates the comment once, leaves it alone when unchanged, then edits it in place", async () => {
    const { gh, port } = await setup();
    gh.state.seedComment(1, { body: `> ${MARKER} quoted by someone`, user: "octocat" });

    const created = await upsertStickyComment(port, 1, MARKER, `${MARKER}\none`);
    expect(created.action).toBe("created");
    expect(await upsertStickyComment(port, 1, MARKER, `${MARKER}\none`)).toEqual({ action: "unchanged", commentId: "commentId" in created ? created.commentId : -1 });
    expect(await upsertStickyComment(port, 1, MARKER, `${MARKER}\ntwo`)).toMatchObject({ action: "updated" });

    const comments = gh.state.issue(1).comments;
    expect(comments.map((c) => c.body)).toEqual([`> ${MARKER} quoted by someone`, `${MARKER}\ntwo`]);
    expect(gh.requests.filter((r) => r.method !== "GET").map((r) => r.method)).toEqual(["POST", "PATCH"]);
  });

  it("prefers the bot's own comment when someone else's also starts with the marker", async () => {
    const { gh, port } = await setup();
    gh.state.seedComment(1, { body: `${MARKER}\nforged`, user: "mallory" });
    const mine = gh.state.seedComment(1, { body: `${MARKER}\nold`, user: { login: "github-actions[bot]", type: "Bot" } });
    expect(await upsertStickyComment(port, 1, MARKER, `${MARKER}\nnew`)).toEqual({ action: "updated", commentId: mine.id });
    expect(gh.state.issue(1).comments.map((c) => c.body)).toEqual([`${MARKER}\nforged`, `${MARKER}\nnew`]);
  });

  it("reports a read-only token as forbidden instead of throwing", async () => {
    const { gh, port } = await setup();
    gh.readOnly = true;
    expect(await upsertStickyComment(port, 1, MARKER, `${MARKER}\nx`)).toMatchObject({ action: "forbidden", status: 403, message: expect.stringContaining("Resource not accessible by integration") });
  });

  it("lets other failures through", async () => {
    const { gh, port } = await setup();
    gh.failNext({ method: "POST", path: /\/comments$/ }, { status: 500, body: { message: "boom" } });
    await expect(upsertStickyComment(port, 1, MARKER, `${MARKER}\nx`)).rejects.toMatchObject({ status: 500 });
  });
});
