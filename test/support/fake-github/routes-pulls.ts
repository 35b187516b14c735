import { bodyOf, httpError, invalidField, optionalString, paginate, requiredString, route, sortBy, type Reply, type Route, type RouteContext } from "./router.js";
import { commitJson, pullJson } from "./shapes.js";
import { unifiedPatch } from "./diff.js";
import type { FakeIssue, FakePull } from "./state.js";

const R = "/repos/:owner/:repo";

const pullNumber = (ctx: RouteContext): number => Number(ctx.params["number"]);
const pullReply = (ctx: RouteContext, pull: FakePull, issue: FakeIssue, status = 200): Reply => ({ status, body: pullJson(ctx.links, ctx.state, pull, issue) });

/** `owner:branch` → branch; a head from another owner (a fork) is not modelled. */
function headBranch(ctx: RouteContext, head: string): string | undefined {
  const colon = head.indexOf(":");
  if (colon < 0) return head;
  return head.slice(0, colon).toLowerCase() === ctx.state.owner.toLowerCase() ? head.slice(colon + 1) : undefined;
}

function listPulls(ctx: RouteContext): Reply {
  const wanted = ctx.query.get("state") ?? "open";
  const head = ctx.query.get("head");
  // GitHub only filters by `head` in the `owner:branch` form; a bare branch name is ignored.
  const headFilter = head !== null && head.includes(":") ? (headBranch(ctx, head) ?? "\0no-such-branch") : undefined;
  const base = ctx.query.get("base");
  const sort = ctx.query.get("sort") ?? "created";
  const direction = ctx.query.get("direction") ?? (sort === "created" ? "desc" : "asc");
  const rows = [...ctx.state.pulls.values()]
    .map((pull) => ({ pull: ctx.state.refreshPull(pull), issue: ctx.state.findIssue(pull.number) }))
    .filter(({ pull, issue }) => (wanted === "all" || issue.state === wanted) && (headFilter === undefined || pull.head === headFilter) && (base === null || pull.base === base));
  const dir = direction === "asc" ? "asc" : "desc";
  const sorted = sortBy(sortBy(rows, (r) => r.pull.number, dir), (r) => (sort === "updated" ? r.issue.updatedAt : r.issue.createdAt), dir);
  return paginate(ctx, sorted.map(({ pull, issue }) => pullJson(ctx.links, ctx.state, pull, issue)));
}

function createPull(ctx: RouteContext): Reply {
  const body = bodyOf(ctx);
  const head = headBranch(ctx, requiredString(body, "head", "PullRequest"));
  if (head === undefined) throw invalidField("PullRequest", "head");
  const pull = ctx.state.createPull({
    head,
    base: requiredString(body, "base", "PullRequest"),
    title: requiredString(body, "title", "PullRequest"),
    body: optionalString(body, "body", "PullRequest") ?? null,
    draft: body["draft"] === true,
  });
  return pullReply(ctx, pull, ctx.state.findIssue(pull.number), 201);
}

function updatePull(ctx: RouteContext): Reply {
  const { pull, issue } = ctx.state.findPull(pullNumber(ctx));
  const body = bodyOf(ctx);
  const title = optionalString(body, "title", "PullRequest");
  if (title !== undefined) issue.title = title;
  if ("body" in body) issue.body = optionalString(body, "body", "PullRequest") ?? null;
  const base = optionalString(body, "base", "PullRequest");
  if (base !== undefined) {
    if (ctx.state.git.branchSha(base) === undefined) throw invalidField("PullRequest", "base");
    pull.base = base;
  }
  const state = optionalString(body, "state", "PullRequest");
  if (state !== undefined) {
    if (state !== "open" && state !== "closed") throw invalidField("PullRequest", "state");
    if (pull.merged && state === "open") throw httpError(422, "Cannot reopen a merged pull request");
    ctx.state.setIssueState(issue, state, null);
  }
  ctx.state.touch(issue);
  return pullReply(ctx, ctx.state.refreshPull(pull), issue);
}

function mergePull(ctx: RouteContext): Reply {
  const { pull, issue } = ctx.state.findPull(pullNumber(ctx));
  const body = bodyOf(ctx);
  if (pull.merged || issue.state !== "open") throw httpError(405, "Pull Request is not mergeable");
  const sha = optionalString(body, "sha", "PullRequest");
  if (sha !== undefined && sha !== pull.headSha) throw httpError(409, "Head branch was modified. Review and try the merge again.");
  const { git } = ctx.state;
  const tree = git.mergedTree(pull.baseSha, pull.headSha);
  if (!tree) throw httpError(405, "Merge conflict");
  const method = optionalString(body, "merge_method", "PullRequest") ?? "merge";
  if (!["merge", "squash", "rebase"].includes(method)) throw invalidField("PullRequest", "merge_method");
  const title = optionalString(body, "commit_title", "PullRequest") ?? (method === "merge" ? `Merge pull request #${pull.number} from ${ctx.state.owner}/${pull.head}` : `${issue.title} (#${pull.number})`);
  const message = [title, optionalString(body, "commit_message", "PullRequest")].filter((part) => part !== undefined).join("\n\n");
  const parents = method === "merge" ? [pull.baseSha, pull.headSha] : [pull.baseSha];
  const commit = git.putCommit(git.putTree(tree), parents, message);
  git.refs.set(`refs/heads/${pull.base}`, commit.sha);
  const now = ctx.state.now();
  Object.assign(pull, { merged: true, mergedAt: now, mergeCommitSha: commit.sha, mergedBy: ctx.state.actor, baseSha: commit.sha });
  ctx.state.setIssueState(issue, "closed", null);
  return { status: 200, body: { sha: commit.sha, merged: true, message: "Pull Request successfully merged" } };
}

/** The files changed from the merge base of `baseSha` and `headSha` to `headSha`, as GitHub lists them. */
function changedFiles(ctx: RouteContext, baseSha: string, headSha: string): Array<Record<string, unknown>> {
  const { git } = ctx.state;
  const ancestor = git.mergeBase(baseSha, headSha);
  const before = ancestor === undefined ? new Map<string, string>() : (git.treeOf(ancestor)?.entries ?? new Map<string, string>());
  const after = git.treeOf(headSha)?.entries ?? new Map<string, string>();
  const paths = [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path)).sort();
  return paths.map((filename) => {
    const [old, now] = [before.get(filename), after.get(filename)];
    const { patch, additions, deletions } = unifiedPatch(git.blobs.get(old ?? "") ?? "", git.blobs.get(now ?? "") ?? "");
    return {
      sha: now ?? old ?? "",
      filename,
      status: old === undefined ? "added" : now === undefined ? "removed" : "modified",
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${ctx.links.repoHtml}/blob/${headSha}/${filename}`,
      raw_url: `${ctx.links.repoHtml}/raw/${headSha}/${filename}`,
      contents_url: `${ctx.links.repoApi}/contents/${filename}?ref=${headSha}`,
      patch,
    };
  });
}

function listFiles(ctx: RouteContext): Reply {
  const { pull } = ctx.state.findPull(pullNumber(ctx));
  return paginate(ctx, changedFiles(ctx, pull.baseSha, pull.headSha));
}

function compare(ctx: RouteContext): Reply {
  const { git } = ctx.state;
  const [baseRef = "", headRef = ""] = (ctx.params["basehead"] ?? "").split("...");
  const [baseSha, headSha] = [git.resolve(baseRef), git.resolve(headRef)];
  if (baseSha === undefined || headSha === undefined) throw httpError(404, `Not Found`);
  const [ofBase, ofHead] = [git.ancestors(baseSha), git.ancestors(headSha)];
  const ahead = [...ofHead].filter((sha) => !ofBase.has(sha));
  const behind = [...ofBase].filter((sha) => !ofHead.has(sha));
  const status = ahead.length === 0 && behind.length === 0 ? "identical" : behind.length === 0 ? "ahead" : ahead.length === 0 ? "behind" : "diverged";
  const mergeBase = git.mergeBase(baseSha, headSha);
  const asCommit = (sha: string) => {
    const commit = commitJson(ctx.links, git.commit(sha));
    return { sha, url: `${ctx.links.repoApi}/commits/${sha}`, html_url: commit["html_url"], commit, parents: commit["parents"] };
  };
  return {
    status: 200,
    body: {
      url: `${ctx.links.repoApi}/compare/${baseRef}...${headRef}`,
      html_url: `${ctx.links.repoHtml}/compare/${baseRef}...${headRef}`,
      status,
      ahead_by: ahead.length,
      behind_by: behind.length,
      total_commits: ahead.length,
      base_commit: asCommit(baseSha),
      merge_base_commit: mergeBase === undefined ? null : asCommit(mergeBase),
      commits: ahead.reverse().map(asCommit),
      files: changedFiles(ctx, baseSha, headSha),
    },
  };
}

export const pullRoutes: Route[] = [
  route("GET", `${R}/pulls`, listPulls),
  route("POST", `${R}/pulls`, createPull),
  route("GET", `${R}/pulls/:number`, (ctx) => {
    const { pull, issue } = ctx.state.findPull(pullNumber(ctx));
    return pullReply(ctx, pull, issue);
  }),
  route("PATCH", `${R}/pulls/:number`, updatePull),
  route("PUT", `${R}/pulls/:number/merge`, mergePull),
  route("GET", `${R}/pulls/:number/merge`, (ctx) => {
    const { pull } = ctx.state.findPull(pullNumber(ctx));
    return { status: pull.merged ? 204 : 404 };
  }),
  route("GET", `${R}/pulls/:number/files`, listFiles),
  route("GET", `${R}/compare/*basehead`, compare),
];
