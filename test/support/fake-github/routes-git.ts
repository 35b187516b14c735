import { bodyOf, httpError, invalidField, notFound, optionalString, requiredString, route, type Reply, type Route, type RouteContext } from "./router.js";
import { commitJson, refJson } from "./shapes.js";
import { subtree } from "./routes-contents.js";

const R = "/repos/:owner/:repo";

function treeJson(ctx: RouteContext, sha: string, entries: Map<string, string>, recursive: boolean): Record<string, unknown> {
  const { git } = ctx.state;
  const rows = new Map<string, Record<string, unknown>>();
  for (const [path, blob] of entries) {
    const parts = path.split("/");
    const depth = recursive ? parts.length : 1;
    for (let i = 1; i <= depth; i++) {
      const entryPath = parts.slice(0, i).join("/");
      if (rows.has(entryPath)) continue;
      const isBlob = i === parts.length;
      const entrySha = isBlob ? blob : git.putTree(subtree(entries, entryPath));
      rows.set(entryPath, {
        path: entryPath,
        mode: isBlob ? "100644" : "040000",
        type: isBlob ? "blob" : "tree",
        sha: entrySha,
        ...(isBlob ? { size: Buffer.byteLength(git.blobs.get(blob) ?? "") } : {}),
        url: `${ctx.links.repoApi}/git/${isBlob ? "blobs" : "trees"}/${entrySha}`,
      });
    }
  }
  const tree = [...rows.values()].sort((a, b) => (String(a["path"]) < String(b["path"]) ? -1 : 1));
  return { sha, url: `${ctx.links.repoApi}/git/trees/${sha}`, tree, truncated: false };
}

function createTree(ctx: RouteContext): Reply {
  const body = bodyOf(ctx);
  const { git } = ctx.state;
  const baseTree = optionalString(body, "base_tree", "Tree");
  let entries = new Map<string, string>();
  if (baseTree !== undefined) {
    const base = git.treeOf(baseTree);
    if (!base) throw httpError(422, "base_tree is not a valid tree oid");
    entries = new Map(base.entries);
  }
  const items = body["tree"];
  if (!Array.isArray(items)) throw invalidField("Tree", "tree", "missing_field");
  for (const item of items as Array<Record<string, unknown>>) {
    const path = typeof item["path"] === "string" ? item["path"] : undefined;
    if (path === undefined) throw invalidField("Tree", "path", "missing_field");
    const isTree = item["type"] === "tree";
    const sha = item["sha"];
    const content = item["content"];
    if (isTree) {
      for (const key of [...entries.keys()]) if (key.startsWith(`${path}/`)) entries.delete(key);
      if (typeof sha === "string") {
        const graft = git.trees.get(sha);
        if (!graft) throw httpError(422, "tree.sha is not a valid tree");
        for (const [relative, blob] of graft) entries.set(`${path}/${relative}`, blob);
      }
    } else if (typeof content === "string") {
      entries.set(path, git.putBlob(content));
    } else if (typeof sha === "string") {
      if (!git.blobs.has(sha)) throw httpError(422, "tree.sha is not a valid blob");
      entries.set(path, sha);
    } else if (sha === null) {
      entries.delete(path);
    } else {
      throw httpError(422, "Must supply either tree.sha or tree.content");
    }
  }
  const treeSha = git.putTree(entries);
  return { status: 201, body: treeJson(ctx, treeSha, entries, false) };
}

const fullRef = (ctx: RouteContext): string => `refs/${(ctx.params["ref"] ?? "").replace(/^refs\//, "")}`;

export const gitRoutes: Route[] = [
  route("GET", `${R}/git/ref/*ref`, (ctx) => {
    const ref = fullRef(ctx);
    const sha = ctx.state.git.refs.get(ref);
    if (sha === undefined) throw notFound();
    return { status: 200, body: refJson(ctx.links, ref, sha) };
  }),
  route("GET", `${R}/git/matching-refs/*ref`, (ctx) => {
    const prefix = fullRef(ctx);
    const refs = [...ctx.state.git.refs].filter(([name]) => name.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
    return { status: 200, body: refs.map(([name, sha]) => refJson(ctx.links, name, sha)) };
  }),
  route("POST", `${R}/git/refs`, (ctx) => {
    const body = bodyOf(ctx);
    const ref = requiredString(body, "ref", "Reference");
    const sha = requiredString(body, "sha", "Reference");
    if (!/^refs\/[^/]+\/.+/.test(ref)) throw httpError(422, "Reference name must start with 'refs/' and have at least two slashes.");
    if (ctx.state.git.refs.has(ref)) throw httpError(422, "Reference already exists");
    if (!ctx.state.git.commits.has(sha)) throw httpError(422, "Object does not exist");
    ctx.state.git.refs.set(ref, sha);
    return { status: 201, body: refJson(ctx.links, ref, sha), headers: { location: `${ctx.links.repoApi}/git/${ref}` } };
  }),
  route("PATCH", `${R}/git/refs/*ref`, (ctx) => {
    const body = bodyOf(ctx);
    const ref = fullRef(ctx);
    const sha = requiredString(body, "sha", "Reference");
    const current = ctx.state.git.refs.get(ref);
    if (current === undefined) throw httpError(422, "Reference does not exist");
    if (!ctx.state.git.commits.has(sha)) throw httpError(422, "Object does not exist");
    if (body["force"] !== true && !ctx.state.git.ancestors(sha).has(current)) throw httpError(422, "Update is not a fast forward");
    ctx.state.git.refs.set(ref, sha);
    return { status: 200, body: refJson(ctx.links, ref, sha) };
  }),
  route("DELETE", `${R}/git/refs/*ref`, (ctx) => {
    ctx.state.deleteRef(fullRef(ctx));
    return { status: 204 };
  }),

  route("GET", `${R}/git/commits/:sha`, (ctx) => ({ status: 200, body: commitJson(ctx.links, ctx.state.git.commit(ctx.params["sha"] ?? "")) })),
  route("POST", `${R}/git/commits`, (ctx) => {
    const body = bodyOf(ctx);
    const parents = body["parents"] ?? [];
    if (!Array.isArray(parents) || !parents.every((p) => typeof p === "string")) throw invalidField("Commit", "parents");
    const commit = ctx.state.git.putCommit(requiredString(body, "tree", "Commit"), parents, requiredString(body, "message", "Commit"));
    return { status: 201, body: commitJson(ctx.links, commit) };
  }),
  route("GET", `${R}/git/blobs/:sha`, (ctx) => {
    const sha = ctx.params["sha"] ?? "";
    const text = ctx.state.git.blobs.get(sha);
    if (text === undefined) throw notFound();
    return {
      status: 200,
      body: { sha, node_id: sha, size: Buffer.byteLength(text), url: `${ctx.links.repoApi}/git/blobs/${sha}`, content: Buffer.from(text).toString("base64"), encoding: "base64" },
    };
  }),
  route("POST", `${R}/git/blobs`, (ctx) => {
    const body = bodyOf(ctx);
    const content = requiredString(body, "content", "Blob");
    const encoding = optionalString(body, "encoding", "Blob") ?? "utf-8";
    if (encoding !== "utf-8" && encoding !== "base64") throw invalidField("Blob", "encoding");
    const sha = ctx.state.git.putBlob(encoding === "base64" ? Buffer.from(content, "base64").toString("utf8") : content);
    return { status: 201, body: { sha, url: `${ctx.links.repoApi}/git/blobs/${sha}` } };
  }),
  route("GET", `${R}/git/trees/:sha`, (ctx) => {
    const tree = ctx.state.git.treeOf(ctx.params["sha"] ?? "");
    if (!tree) throw notFound();
    // GitHub recurses for any value of `recursive`, even "0" and "false".
    return { status: 200, body: treeJson(ctx, tree.sha, tree.entries, ctx.query.has("recursive")) };
  }),
  route("POST", `${R}/git/trees`, createTree),
];
