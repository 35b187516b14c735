import { bodyOf, httpError, invalidField, notFound, optionalString, requiredString, route, type Reply, type Route, type RouteContext } from "./router.js";
import { commitJson } from "./shapes.js";
import type { GitStore } from "./git-store.js";

const R = "/repos/:owner/:repo";

const cleanPath = (path: string | undefined): string => (path ?? "").replace(/^\/+|\/+$/g, "");

/** Base64 wrapped at 60 columns, as GitHub sends file contents. */
const base64Wrapped = (text: string): string => (Buffer.from(text).toString("base64").match(/.{1,60}/g) ?? []).join("\n") + "\n";

/** path → blob SHA of everything under `dir` ("" = the root), relative to it. */
export function subtree(entries: Map<string, string>, dir: string): Map<string, string> {
  if (dir === "") return entries;
  const prefix = `${dir}/`;
  return new Map([...entries].filter(([path]) => path.startsWith(prefix)).map(([path, sha]) => [path.slice(prefix.length), sha]));
}

function entryJson(ctx: RouteContext, ref: string, path: string, type: "file" | "dir", sha: string, size: number): Record<string, unknown> {
  const self = `${ctx.links.repoApi}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const git = `${ctx.links.repoApi}/git/${type === "file" ? "blobs" : "trees"}/${sha}`;
  const html = `${ctx.links.repoHtml}/${type === "file" ? "blob" : "tree"}/${ref}/${path}`;
  return {
    type,
    name: path.split("/").pop() ?? path,
    path,
    sha,
    size,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === "file" ? `${ctx.links.html}/raw/${ctx.state.owner}/${ctx.state.repo}/${ref}/${path}` : null,
    _links: { self, git, html },
  };
}

function fileJson(ctx: RouteContext, ref: string, path: string, git: GitStore, sha: string): Record<string, unknown> {
  const text = git.blobs.get(sha) ?? "";
  return { ...entryJson(ctx, ref, path, "file", sha, Buffer.byteLength(text)), encoding: "base64", content: base64Wrapped(text) };
}

const wantsRaw = (ctx: RouteContext): boolean => /\.raw\b|vnd\.github\.raw/.test(String(ctx.headers["accept"] ?? ""));

function getContents(ctx: RouteContext): Reply {
  const { git } = ctx.state;
  const ref = ctx.query.get("ref") ?? ctx.state.defaultBranch;
  const commitSha = git.resolve(ref);
  if (commitSha === undefined) throw notFound(`No commit found for the ref ${ref}`);
  const entries = git.treeOf(commitSha)?.entries ?? new Map<string, string>();
  const path = cleanPath(ctx.params["path"]);
  const blob = entries.get(path);
  if (blob !== undefined) {
    if (wantsRaw(ctx)) return { status: 200, raw: git.blobs.get(blob) ?? "", headers: { "content-type": "text/plain; charset=utf-8" } };
    return { status: 200, body: fileJson(ctx, ref, path, git, blob) };
  }
  const inside = subtree(entries, path);
  if (path !== "" && inside.size === 0) throw notFound();
  const children = new Map<string, Record<string, unknown>>();
  for (const [relative, sha] of inside) {
    const [first, ...rest] = relative.split("/");
    const childPath = path === "" ? (first ?? "") : `${path}/${first ?? ""}`;
    if (children.has(childPath)) continue;
    children.set(
      childPath,
      rest.length === 0
        ? entryJson(ctx, ref, childPath, "file", sha, Buffer.byteLength(git.blobs.get(sha) ?? ""))
        : entryJson(ctx, ref, childPath, "dir", git.putTree(subtree(entries, childPath)), 0),
    );
  }
  const listing = [...children.values()].sort((a, b) => String(a["name"]).localeCompare(String(b["name"])));
  return { status: 200, body: listing };
}

/** The branch to write to and its tip; an empty repository accepts a first commit on its default branch. */
function writeTarget(ctx: RouteContext, body: Record<string, unknown>): { branch: string; tip: string | undefined; files: Map<string, string> } {
  const branch = optionalString(body, "branch", "Content") ?? ctx.state.defaultBranch;
  const tip = ctx.state.git.branchSha(branch);
  const empty = ctx.state.git.refs.size === 0 && branch === ctx.state.defaultBranch;
  if (tip === undefined && !empty) throw notFound(`Branch ${branch} not found`);
  return { branch, tip, files: tip === undefined ? new Map() : (ctx.state.git.treeOf(tip)?.entries ?? new Map()) };
}

function checkSha(path: string, current: string | undefined, given: string | undefined): void {
  if (current !== undefined && given === undefined) throw httpError(422, `Invalid request.\n\n"sha" wasn't supplied.`);
  if (given !== undefined && given !== current) throw httpError(409, `${path} does not match ${given}`);
}

function putContents(ctx: RouteContext): Reply {
  const body = bodyOf(ctx);
  const path = cleanPath(ctx.params["path"]);
  if (path === "") throw invalidField("Content", "path");
  const message = requiredString(body, "message", "Content");
  const content = requiredString(body, "content", "Content");
  if (!/^[A-Za-z0-9+/=\s]*$/.test(content)) throw httpError(422, "content is not valid Base64");
  const { branch, tip, files } = writeTarget(ctx, body);
  const current = files.get(path);
  checkSha(path, current, optionalString(body, "sha", "Content"));
  const { git } = ctx.state;
  const commit = git.commitChanges(tip, { [path]: Buffer.from(content, "base64").toString("utf8") }, message);
  git.refs.set(`refs/heads/${branch}`, commit.sha);
  const blob = git.treeOf(commit.sha)?.entries.get(path) ?? "";
  const entry = entryJson(ctx, branch, path, "file", blob, Buffer.byteLength(git.blobs.get(blob) ?? ""));
  return { status: current === undefined ? 201 : 200, body: { content: entry, commit: commitJson(ctx.links, commit) } };
}

function deleteContents(ctx: RouteContext): Reply {
  const body = bodyOf(ctx);
  const path = cleanPath(ctx.params["path"]);
  const message = requiredString(body, "message", "Content");
  const { branch, tip, files } = writeTarget(ctx, body);
  const current = files.get(path);
  if (current === undefined) throw notFound();
  const sha = optionalString(body, "sha", "Content");
  if (sha === undefined) throw invalidField("Content", "sha", "missing_field");
  checkSha(path, current, sha);
  const commit = ctx.state.git.commitChanges(tip, { [path]: null }, message);
  ctx.state.git.refs.set(`refs/heads/${branch}`, commit.sha);
  return { status: 200, body: { content: null, commit: commitJson(ctx.links, commit) } };
}

function branchJson(ctx: RouteContext, name: string, sha: string): Record<string, unknown> {
  const commit = commitJson(ctx.links, ctx.state.git.commit(sha));
  return {
    name,
    commit: { sha, url: `${ctx.links.repoApi}/commits/${sha}`, commit },
    protected: false,
    _links: { self: `${ctx.links.repoApi}/branches/${name}`, html: `${ctx.links.repoHtml}/tree/${name}` },
  };
}

export const contentRoutes: Route[] = [
  route("GET", `${R}/contents/*path`, getContents),
  route("PUT", `${R}/contents/*path`, putContents),
  route("DELETE", `${R}/contents/*path`, deleteContents),
  route("GET", `${R}/branches`, (ctx) => ({
    status: 200,
    body: ctx.state.branches().map((name) => {
      const sha = ctx.state.git.branchSha(name) ?? "";
      return { name, commit: { sha, url: `${ctx.links.repoApi}/commits/${sha}` }, protected: false };
    }),
  })),
  route("GET", `${R}/branches/*branch`, (ctx) => {
    const name = ctx.params["branch"] ?? "";
    const sha = ctx.state.git.branchSha(name);
    if (sha === undefined) throw notFound("Branch not found");
    return { status: 200, body: branchJson(ctx, name, sha) };
  }),
  route("GET", `${R}/commits/*ref`, (ctx) => {
    const ref = ctx.params["ref"] ?? "";
    const sha = ctx.state.git.resolve(ref);
    if (sha === undefined) throw httpError(422, `No commit found for SHA: ${ref}`);
    const commit = commitJson(ctx.links, ctx.state.git.commit(sha));
    return {
      status: 200,
      body: { sha, node_id: commit["node_id"], url: `${ctx.links.repoApi}/commits/${sha}`, html_url: commit["html_url"], commit, parents: commit["parents"], files: [] },
    };
  }),
];
