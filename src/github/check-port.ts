import type { GitHub } from "@actions/github/lib/utils";

/**
 * What the check action asks of GitHub: typed `octokit.rest.*` calls over an injected
 * Octokit, scoped to one repository (comments, a pull request's files, a revision's
 * files). Nothing here builds a client or reads the environment.
 */
export type Octokit = Pick<InstanceType<typeof GitHub>, "rest" | "paginate">;

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface IssueComment {
  id: number;
  body: string;
  /** `User`, `Bot` or `Organization`; undefined for a deleted account. */
  authorType?: string;
  authorLogin?: string;
}

/** One file of a pull request, with its unified-diff patch (absent for binary or huge files). */
export interface PullFile {
  filename: string;
  status: string;
  patch?: string;
}

export interface TreeListing {
  /** Paths of the files (blobs) of the tree, recursively. */
  files: string[];
  /** GitHub cut the listing short (over 100,000 entries or 7 MB). */
  truncated: boolean;
}

export interface CheckPort {
  readonly repo: RepoRef;
  listIssueComments(issueNumber: number): Promise<IssueComment[]>;
  createIssueComment(issueNumber: number, body: string): Promise<IssueComment>;
  updateIssueComment(commentId: number, body: string): Promise<IssueComment>;
  listPullFiles(pullNumber: number): Promise<PullFile[]>;
  /** Every file path of a commit's tree. */
  listTreeFiles(commitSha: string): Promise<TreeListing>;
  /** A file's bytes at a ref, or undefined when it does not exist there. */
  readFile(path: string, ref: string): Promise<Uint8Array | undefined>;
}

type RestComment = { id: number; body?: string | undefined; user: { login: string; type: string } | null };

function commentOf(c: RestComment): IssueComment {
  const comment: IssueComment = { id: c.id, body: c.body ?? "" };
  if (c.user) {
    comment.authorType = c.user.type;
    comment.authorLogin = c.user.login;
  }
  return comment;
}

/** The HTTP status of an Octokit request error, if `err` is one. */
export function httpStatusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

export function createCheckPort(octokit: Octokit, repo: RepoRef): CheckPort {
  const { owner, repo: name } = repo;
  return {
    repo,
    async listIssueComments(issueNumber) {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo: name, issue_number: issueNumber, per_page: 100 });
      return comments.map(commentOf);
    },
    async createIssueComment(issueNumber, body) {
      const { data } = await octokit.rest.issues.createComment({ owner, repo: name, issue_number: issueNumber, body });
      return commentOf(data);
    },
    async updateIssueComment(commentId, body) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo: name, comment_id: commentId, body });
      return commentOf(data);
    },
    async listPullFiles(pullNumber) {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner, repo: name, pull_number: pullNumber, per_page: 100 });
      return files.map((f) => (f.patch === undefined ? { filename: f.filename, status: f.status } : { filename: f.filename, status: f.status, patch: f.patch }));
    },
    async listTreeFiles(commitSha) {
      const { data } = await octokit.rest.git.getTree({ owner, repo: name, tree_sha: commitSha, recursive: "1" });
      return { files: data.tree.filter((e) => e.type === "blob" && e.path !== undefined).map((e) => e.path as string), truncated: data.truncated };
    },
    async readFile(path, ref) {
      try {
        const { data } = await octokit.rest.repos.getContent({ owner, repo: name, path, ref });
        if (Array.isArray(data) || data.type !== "file") return undefined;
        if ("content" in data && data.encoding === "base64") return Buffer.from(data.content, "base64");
        // Files over 1 MB come without content: read the blob instead.
        const blob = await octokit.rest.git.getBlob({ owner, repo: name, file_sha: data.sha });
        return Buffer.from(blob.data.content, blob.data.encoding === "base64" ? "base64" : "utf8");
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    },
  };
}
