import { createHash } from "node:crypto";
import { httpError, notFound } from "./router.js";

export interface FakeCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  date: string;
}

/** path → text, or `null` to delete the path. */
export type FileChanges = Record<string, string | null>;

const sha1 = (text: string): string => createHash("sha1").update(text).digest("hex");

/**
 * Git objects as GitHub's API exposes them: blobs (real git blob SHAs), flat trees
 * (path → blob SHA), commits with parents, and refs (`refs/heads/main` → commit SHA).
 */
export class GitStore {
  readonly blobs = new Map<string, string>();
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, FakeCommit>();
  readonly refs = new Map<string, string>();
  private commitCounter = 0;

  constructor(
    private readonly defaultBranch: string,
    private readonly now: () => string,
  ) {}

  putBlob(text: string): string {
    const sha = sha1(`blob ${Buffer.byteLength(text)}\0${text}`);
    this.blobs.set(sha, text);
    return sha;
  }

  putTree(entries: Map<string, string>): string {
    const sorted = new Map([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const sha = sha1(`tree ${[...sorted].map(([path, blob]) => `${path}\0${blob}`).join("\n")}`);
    this.trees.set(sha, sorted);
    return sha;
  }

  /** `sha` lets a test reuse the SHA of a real local commit (e.g. the one a PR payload names). */
  putCommit(tree: string, parents: string[], message: string, sha?: string): FakeCommit {
    if (!this.trees.has(tree)) throw httpError(422, "Tree SHA does not exist");
    for (const parent of parents) {
      if (!this.commits.has(parent)) throw httpError(422, "Parent SHA does not exist or is not a commit object");
    }
    this.commitCounter += 1;
    const id = sha ?? sha1(`commit ${this.commitCounter}\0${tree}\0${parents.join(",")}\0${message}`);
    if (this.commits.has(id)) throw new Error(`fake GitHub already has a commit ${id}`);
    const commit: FakeCommit = { sha: id, tree, parents, message, date: this.now() };
    this.commits.set(id, commit);
    return commit;
  }

  /** A branch name, `heads/x`, `refs/heads/x`, a tag, or a (full) commit SHA → commit SHA. */
  resolve(refOrSha: string): string | undefined {
    const candidates = [refOrSha, `refs/${refOrSha}`, `refs/heads/${refOrSha}`, `refs/tags/${refOrSha}`];
    for (const name of candidates) {
      const sha = this.refs.get(name);
      if (sha !== undefined) return sha;
    }
    return this.commits.has(refOrSha) ? refOrSha : undefined;
  }

  branchSha(branch: string): string | undefined {
    return this.refs.get(`refs/heads/${branch}`);
  }

  commit(sha: string): FakeCommit {
    const commit = this.commits.get(sha);
    if (!commit) throw notFound("No commit found for SHA: " + sha);
    return commit;
  }

  /** The tree (path → blob SHA) of a commit SHA, a ref, or a tree SHA. */
  treeOf(treeish: string): { sha: string; entries: Map<string, string> } | undefined {
    const direct = this.trees.get(treeish);
    if (direct) return { sha: treeish, entries: direct };
    const commitSha = this.resolve(treeish);
    if (commitSha === undefined) return undefined;
    const treeSha = this.commit(commitSha).tree;
    return { sha: treeSha, entries: this.trees.get(treeSha) ?? new Map() };
  }

  /** path → text at a commit SHA or ref; empty for an unknown ref. */
  filesAt(refOrSha: string): Map<string, string> {
    const tree = this.treeOf(refOrSha);
    const files = new Map<string, string>();
    for (const [path, blob] of tree?.entries ?? []) files.set(path, this.blobs.get(blob) ?? "");
    return files;
  }

  /** Applies `changes` on top of `parent`'s tree (or an empty tree) and returns the new commit. */
  commitChanges(parent: string | undefined, changes: FileChanges, message: string, sha?: string): FakeCommit {
    const entries = new Map(parent === undefined ? [] : (this.treeOf(parent)?.entries ?? []));
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) entries.delete(path);
      else entries.set(path, this.putBlob(text));
    }
    return this.putCommit(this.putTree(entries), parent === undefined ? [] : [parent], message, sha);
  }

  /** Commits on `branch`, creating it from the default branch (or as a root commit) when absent. */
  commitToBranch(branch: string, changes: FileChanges, message: string, sha?: string): FakeCommit {
    const parent = this.branchSha(branch) ?? this.branchSha(this.defaultBranch);
    const commit = this.commitChanges(parent, changes, message, sha);
    this.refs.set(`refs/heads/${branch}`, commit.sha);
    return commit;
  }

  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [sha];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(this.commits.get(next)?.parents ?? []));
    }
    return seen;
  }

  /** The nearest common ancestor of two commits (breadth-first from `b`). */
  mergeBase(a: string, b: string): string | undefined {
    const ofA = this.ancestors(a);
    const queue = [b];
    const seen = new Set<string>();
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (ofA.has(next)) return next;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(this.commits.get(next)?.parents ?? []));
    }
    return undefined;
  }

  /**
   * A three-way merge of `head` into `base`; `undefined` when both sides changed the
   * same path differently (GitHub then refuses the merge).
   */
  mergedTree(base: string, head: string): Map<string, string> | undefined {
    const ancestor = this.mergeBase(base, head);
    const m = ancestor === undefined ? new Map<string, string>() : (this.treeOf(ancestor)?.entries ?? new Map());
    const b = this.treeOf(base)?.entries ?? new Map<string, string>();
    const h = this.treeOf(head)?.entries ?? new Map<string, string>();
    const result = new Map(b);
    for (const path of new Set([...m.keys(), ...h.keys()])) {
      const [mine, theirs, original] = [b.get(path), h.get(path), m.get(path)];
      if (theirs === original) continue;
      if (mine !== original && mine !== theirs) return undefined;
      if (theirs === undefined) result.delete(path);
      else result.set(path, theirs);
    }
    return result;
  }
}
