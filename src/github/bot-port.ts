import type { ProbotOctokit } from "probot";

/**
 * The one port the bot talks to GitHub through: typed `octokit.rest.*` calls over an
 * injected Octokit (probot's, with throttling and retries). Handlers never see Octokit.
 */

export type BotOctokit = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface IssueInfo {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  state_reason: "completed" | "not_planned" | "reopened" | "duplicate" | null;
  labels: string[];
  author: string | null;
  created_at: string;
  updated_at: string;
  html_url: string;
  is_pull_request: boolean;
  /** How many comments the issue has (none: no need to list them). */
  comments: number;
}

export interface CommentInfo {
  id: number;
  body: string;
  author: string | null;
  author_type: string | null;
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

export interface TreeEntry {
  path: string;
  sha: string;
}

export interface PullInfo {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  head: string;
  html_url: string;
  body: string;
  labels: string[];
}

export interface BotPort {
  readonly repo: RepoRef;
  defaultBranch(): Promise<string>;
  /** Every file of a branch (recursive tree), with blob shas. */
  tree(ref: string): Promise<TreeEntry[]>;
  /** A blob's bytes by sha (immutable, so cached for the life of the port's cache). */
  blob(sha: string): Promise<Uint8Array>;
  listComments(issue: number): Promise<CommentInfo[]>;
  /** Every issue comment of the repository (all pages), with the issue it belongs to. */
  listRepoComments(): Promise<(CommentInfo & { issue: number })[]>;
  createComment(issue: number, body: string): Promise<CommentInfo>;
  updateComment(id: number, body: string): Promise<void>;
  /** Adds labels; returns the issue's labels as GitHub now has them (with colour). */
  addLabels(issue: number, names: string[]): Promise<{ name: string; color: string; description: string | null }[]>;
  removeLabel(issue: number, name: string): Promise<void>;
  /** Gives a label its colour and description if GitHub created it bare; creates it when missing. */
  styleLabel(label: LabelSpec): Promise<void>;
  getIssue(issue: number): Promise<IssueInfo>;
  /** Issues (not PRs) with a label, all pages. */
  issuesWithLabel(label: string, state: "open" | "closed" | "all"): Promise<IssueInfo[]>;
  createIssue(title: string, body: string, labels: string[]): Promise<IssueInfo>;
  updateIssue(issue: number, patch: { body?: string; state?: "open" | "closed"; state_reason?: "completed" | "not_planned" | "reopened"; title?: string }): Promise<void>;
  branchSha(branch: string): Promise<string | undefined>;
  createBranch(branch: string, sha: string): Promise<"created" | "exists">;
  deleteBranch(branch: string): Promise<void>;
  /** Creates or updates one file on a branch: one commit. */
  putFile(branch: string, path: string, text: string, message: string, sha?: string): Promise<void>;
  /** The file's blob sha on a branch, if it exists. */
  fileSha(branch: string, path: string): Promise<string | undefined>;
  pullsForHead(head: string, state: "open" | "closed" | "all"): Promise<PullInfo[]>;
  createPull(p: { title: string; body: string; head: string; base: string }): Promise<PullInfo>;
  updatePull(pull: number, patch: { body?: string; title?: string }): Promise<void>;
  addPullLabels(pull: number, labels: string[]): Promise<void>;
}

function status(err: unknown): number | undefined {
  return typeof err === "object" && err !== null && "status" in err ? Number((err as { status: unknown }).status) : undefined;
}

function labelNames(labels: readonly (string | { name?: string })[]): string[] {
  return labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean);
}

type RawIssue = Awaited<ReturnType<BotOctokit["rest"]["issues"]["get"]>>["data"];
type RawComment = Awaited<ReturnType<BotOctokit["rest"]["issues"]["getComment"]>>["data"];

function toComment(c: RawComment): CommentInfo {
  return { id: c.id, body: c.body ?? "", author: c.user?.login ?? null, author_type: c.user?.type ?? null, html_url: c.html_url, created_at: c.created_at, updated_at: c.updated_at };
}

function toIssue(i: RawIssue): IssueInfo {
  return {
    number: i.number,
    title: i.title,
    body: i.body ?? "",
    state: i.state === "closed" ? "closed" : "open",
    state_reason: (i.state_reason as IssueInfo["state_reason"]) ?? null,
    labels: labelNames(i.labels as (string | { name?: string })[]),
    author: i.user?.login ?? null,
    created_at: i.created_at,
    updated_at: i.updated_at,
    html_url: i.html_url,
    is_pull_request: Boolean(i.pull_request),
    comments: i.comments,
  };
}

/** A cache of immutable blobs by sha, shared across events by whoever creates the port. */
export type BlobCache = Map<string, Uint8Array>;

export function createBotPort(octokit: BotOctokit, repo: RepoRef, blobCache: BlobCache = new Map()): BotPort {
  const r = repo;
  let defaultBranch: string | undefined;
  return {
    repo,
    async defaultBranch() {
      defaultBranch ??= (await octokit.rest.repos.get({ owner: r.owner, repo: r.repo })).data.default_branch;
      return defaultBranch;
    },
    async tree(ref) {
      const { data } = await octokit.rest.git.getTree({ ...r, tree_sha: ref, recursive: "true" });
      return data.tree.filter((e) => e.type === "blob" && e.path && e.sha).map((e) => ({ path: e.path as string, sha: e.sha as string }));
    },
    async blob(sha) {
      const hit = blobCache.get(sha);
      if (hit) return hit;
      const { data } = await octokit.rest.git.getBlob({ ...r, file_sha: sha });
      const bytes = Buffer.from(data.content, data.encoding === "base64" ? "base64" : "utf8");
      if (blobCache.size > 2000) blobCache.delete(blobCache.keys().next().value as string);
      blobCache.set(sha, bytes);
      return bytes;
    },
    async listComments(issue) {
      const all = await octokit.paginate(octokit.rest.issues.listComments, { ...r, issue_number: issue, per_page: 100 });
      return all.map(toComment);
    },
    async listRepoComments() {
      const all = await octokit.paginate(octokit.rest.issues.listCommentsForRepo, { ...r, per_page: 100 });
      return all.map((c) => ({ ...toComment(c), issue: Number(c.issue_url.slice(c.issue_url.lastIndexOf("/") + 1)) }));
    },
    async createComment(issue, body) {
      return toComment((await octokit.rest.issues.createComment({ ...r, issue_number: issue, body })).data);
    },
    async updateComment(id, body) {
      await octokit.rest.issues.updateComment({ ...r, comment_id: id, body });
    },
    async addLabels(issue, names) {
      const { data } = await octokit.rest.issues.addLabels({ ...r, issue_number: issue, labels: names });
      return data.map((l) => ({ name: l.name, color: l.color, description: l.description ?? null }));
    },
    async removeLabel(issue, name) {
      try {
        await octokit.rest.issues.removeLabel({ ...r, issue_number: issue, name });
      } catch (err) {
        if (status(err) !== 404) throw err;
      }
    },
    async styleLabel(label) {
      try {
        await octokit.rest.issues.updateLabel({ ...r, name: label.name, color: label.color, description: label.description });
      } catch (err) {
        if (status(err) !== 404) throw err;
        try {
          await octokit.rest.issues.createLabel({ ...r, ...label });
        } catch (e) {
          if (status(e) !== 422) throw e;
        }
      }
    },
    async getIssue(issue) {
      return toIssue((await octokit.rest.issues.get({ ...r, issue_number: issue })).data);
    },
    async issuesWithLabel(label, state) {
      const all = await octokit.paginate(octokit.rest.issues.listForRepo, { ...r, labels: label, state, per_page: 100 });
      return all.map((i) => toIssue(i as RawIssue)).filter((i) => !i.is_pull_request);
    },
    async createIssue(title, body, labels) {
      return toIssue((await octokit.rest.issues.create({ ...r, title, body, labels })).data as RawIssue);
    },
    async updateIssue(issue, patch) {
      await octokit.rest.issues.update({ ...r, issue_number: issue, ...patch });
    },
    async branchSha(branch) {
      try {
        return (await octokit.rest.git.getRef({ ...r, ref: `heads/${branch}` })).data.object.sha;
      } catch (err) {
        if (status(err) === 404) return undefined;
        throw err;
      }
    },
    async createBranch(branch, sha) {
      try {
        await octokit.rest.git.createRef({ ...r, ref: `refs/heads/${branch}`, sha });
        return "created";
      } catch (err) {
        if (status(err) === 422) return "exists";
        throw err;
      }
    },
    async deleteBranch(branch) {
      try {
        await octokit.rest.git.deleteRef({ ...r, ref: `heads/${branch}` });
      } catch (err) {
        if (status(err) !== 404 && status(err) !== 422) throw err;
      }
    },
    async putFile(branch, path, text, message, sha) {
      await octokit.rest.repos.createOrUpdateFileContents({ ...r, branch, path, message, content: Buffer.from(text, "utf8").toString("base64"), ...(sha ? { sha } : {}) });
    },
    async fileSha(branch, path) {
      try {
        const { data } = await octokit.rest.repos.getContent({ ...r, path, ref: branch });
        return Array.isArray(data) ? undefined : data.sha;
      } catch (err) {
        if (status(err) === 404) return undefined;
        throw err;
      }
    },
    async pullsForHead(head, state) {
      const { data } = await octokit.rest.pulls.list({ ...r, head: `${r.owner}:${head}`, state, per_page: 10 });
      return data.map((p) => ({ number: p.number, state: p.state === "closed" ? "closed" : "open", merged: Boolean(p.merged_at), head: p.head.ref, html_url: p.html_url, body: p.body ?? "", labels: labelNames(p.labels) }));
    },
    async createPull(p) {
      const { data } = await octokit.rest.pulls.create({ ...r, ...p, maintainer_can_modify: true });
      return { number: data.number, state: "open", merged: false, head: data.head.ref, html_url: data.html_url, body: data.body ?? "", labels: labelNames(data.labels) };
    },
    async updatePull(pull, patch) {
      await octokit.rest.pulls.update({ ...r, pull_number: pull, ...patch });
    },
    async addPullLabels(pull, labels) {
      await octokit.rest.issues.addLabels({ ...r, issue_number: pull, labels });
    },
  };
}
