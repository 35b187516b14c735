import { GitStore, type FileChanges } from "./git-store.js";
import { httpError, invalidField, notFound, validationFailed } from "./router.js";
import type { FakeComment, FakeIssue, FakeLabel, FakePull, FakeStateOptions, FakeUser, SeedComment, SeedIssue, StateReason } from "./model.js";

export type { FakeComment, FakeIssue, FakeLabel, FakePull, FakeStateOptions, FakeUser, SeedComment, SeedIssue, StateReason } from "./model.js";

export const DEFAULT_LABEL_COLOR = "ededed";

/** The whole repository's state; seeded and inspected by tests, mutated by the routes. */
export class FakeGitHubState {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
  readonly private: boolean;
  readonly repoId = 4_200;
  readonly appId: number;
  readonly appSlug: string;
  readonly installationId: number;
  actor: FakeUser;
  readonly issues = new Map<number, FakeIssue>();
  /** Keyed by lower-case name: GitHub label names are case-insensitive. */
  readonly labels = new Map<string, FakeLabel>();
  readonly pulls = new Map<number, FakePull>();
  readonly git: GitStore;
  private readonly clock: () => Date;
  private nextNumber = 1;
  private nextId = 10_000;

  constructor(options: FakeStateOptions) {
    this.owner = options.owner;
    this.repo = options.repo;
    this.defaultBranch = options.defaultBranch ?? "main";
    this.private = options.private ?? false;
    this.appId = options.appId ?? 1;
    this.appSlug = options.appSlug ?? "apprentice-tools";
    this.installationId = options.installationId ?? 1;
    this.clock = options.clock ?? (() => new Date());
    this.actor = this.user(options.actor ?? { login: `${this.appSlug}[bot]`, type: "Bot" });
    this.git = new GitStore(this.defaultBranch, () => this.now());
  }

  now(): string {
    return this.clock().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  newId(): number {
    this.nextId += 1;
    return this.nextId;
  }

  newNumber(): number {
    return this.nextNumber++;
  }

  user(who: string | Partial<FakeUser>): FakeUser {
    const partial = typeof who === "string" ? { login: who } : who;
    const login = partial.login ?? "octocat";
    const type = partial.type ?? (login.endsWith("[bot]") ? "Bot" : "User");
    return { login, type, id: partial.id ?? stableId(login) };
  }

  // ── seeding ───────────────────────────────────────────────────────────────

  /** Commits one file on `branch` (created from the default branch when absent); returns the commit SHA. */
  seedFile(branch: string, path: string, text: string): string {
    return this.seedFiles(branch, { [path]: text });
  }

  /** One commit on `branch` (`null` deletes a path); `sha` makes it carry a real local commit's SHA. */
  seedFiles(branch: string, files: FileChanges, options: { message?: string; sha?: string } = {}): string {
    return this.git.commitToBranch(branch, files, options.message ?? "seed", options.sha).sha;
  }

  seedLabel(label: string | { name: string; color?: string; description?: string | null }): FakeLabel {
    const spec = typeof label === "string" ? { name: label } : label;
    return this.createLabel(spec.name, spec.color, spec.description ?? null);
  }

  seedIssue(init: SeedIssue): FakeIssue {
    const issue = this.createIssue({
      title: init.title,
      body: init.body ?? null,
      labels: init.labels ?? [],
      assignees: init.assignees ?? [],
      user: init.user === undefined ? undefined : this.user(init.user),
      number: init.number,
    });
    if (init.createdAt !== undefined) issue.createdAt = issue.updatedAt = init.createdAt;
    if (init.state === "closed") {
      issue.state = "closed";
      issue.stateReason = init.stateReason ?? "completed";
      issue.closedAt = issue.updatedAt;
    }
    for (const comment of init.comments ?? []) this.seedComment(issue.number, comment);
    return issue;
  }

  seedComment(issueNumber: number, comment: string | SeedComment): FakeComment {
    const spec = typeof comment === "string" ? { body: comment } : comment;
    const created = this.addComment(this.findIssue(issueNumber), spec.body, spec.user === undefined ? undefined : this.user(spec.user));
    if (spec.createdAt !== undefined) created.createdAt = created.updatedAt = spec.createdAt;
    return created;
  }

  // ── reading, for assertions ───────────────────────────────────────────────

  issue(issueNumber: number): FakeIssue {
    const issue = this.issues.get(issueNumber);
    if (!issue) throw new Error(`fake GitHub has no issue #${issueNumber} (it has ${[...this.issues.keys()].join(", ") || "none"})`);
    return issue;
  }

  pull(pullNumber: number): FakePull {
    const pull = this.pulls.get(pullNumber);
    if (!pull) throw new Error(`fake GitHub has no pull request #${pullNumber}`);
    return pull;
  }

  labelNames(): string[] {
    return [...this.labels.values()].map((label) => label.name);
  }

  branches(): string[] {
    return [...this.git.refs.keys()].filter((ref) => ref.startsWith("refs/heads/")).map((ref) => ref.slice(11));
  }

  /** path → text on `branch`; `{}` when the branch does not exist. */
  files(branch: string): Record<string, string> {
    const sha = this.git.branchSha(branch);
    return sha === undefined ? {} : Object.fromEntries(this.git.filesAt(sha));
  }

  file(branch: string, path: string): string | undefined {
    return this.files(branch)[path];
  }

  /** Everything, as plain JSON: compare two snapshots to prove that nothing changed. */
  snapshot(): Record<string, unknown> {
    for (const pull of this.pulls.values()) this.refreshPull(pull);
    return JSON.parse(
      JSON.stringify({
        issues: [...this.issues.values()],
        labels: [...this.labels.values()],
        pulls: [...this.pulls.values()],
        refs: Object.fromEntries(this.git.refs),
      }),
    ) as Record<string, unknown>;
  }

  // ── operations behind the routes (they throw HttpError as GitHub answers) ──

  findIssue(issueNumber: number): FakeIssue {
    const issue = this.issues.get(issueNumber);
    if (!issue) throw notFound();
    return issue;
  }

  createIssue(spec: { title: string; body: string | null; labels: string[]; assignees: string[]; user?: FakeUser | undefined; pullRequest?: boolean; number?: number | undefined }): FakeIssue {
    if (spec.title.trim() === "") throw invalidField("Issue", "title", "missing_field");
    if (spec.number !== undefined && this.issues.has(spec.number)) throw new Error(`fake GitHub already has #${spec.number}`);
    const now = this.now();
    const issue: FakeIssue = {
      id: this.newId(),
      number: spec.number ?? this.newNumber(),
      title: spec.title,
      body: spec.body,
      state: "open",
      stateReason: null,
      labels: this.ensureLabels(spec.labels),
      assignees: [...spec.assignees],
      user: spec.user ?? this.actor,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      comments: [],
      locked: false,
      pullRequest: spec.pullRequest ?? false,
    };
    this.issues.set(issue.number, issue);
    this.nextNumber = Math.max(this.nextNumber, issue.number + 1);
    return issue;
  }

  setIssueState(issue: FakeIssue, state: "open" | "closed", reason: StateReason | undefined): void {
    const wasClosed = issue.state === "closed";
    if (state === "closed") {
      if (!wasClosed) issue.closedAt = this.now();
      issue.stateReason = reason ?? (wasClosed ? issue.stateReason : null) ?? "completed";
    } else {
      if (wasClosed) issue.stateReason = "reopened";
      else if (reason !== undefined) issue.stateReason = reason;
      issue.closedAt = null;
    }
    issue.state = state;
    this.touch(issue);
  }

  touch(issue: FakeIssue): void {
    issue.updatedAt = this.now();
  }

  addComment(issue: FakeIssue, body: string, user?: FakeUser): FakeComment {
    if (body === "") throw invalidField("IssueComment", "body", "missing_field");
    if (body.length > 65_536) throw validationFailed([{ resource: "IssueComment", field: "body", code: "custom", message: "Body is too long (maximum is 65536 characters)" }]);
    const now = this.now();
    const comment: FakeComment = { id: this.newId(), issueNumber: issue.number, body, user: user ?? this.actor, createdAt: now, updatedAt: now };
    issue.comments.push(comment);
    this.touch(issue);
    return comment;
  }

  findComment(commentId: number): { issue: FakeIssue; comment: FakeComment } {
    for (const issue of this.issues.values()) {
      const comment = issue.comments.find((c) => c.id === commentId);
      if (comment) return { issue, comment };
    }
    throw notFound();
  }

  findLabel(name: string): FakeLabel {
    const label = this.labels.get(name.toLowerCase());
    if (!label) throw notFound();
    return label;
  }

  createLabel(name: string, color = DEFAULT_LABEL_COLOR, description: string | null = null): FakeLabel {
    checkLabel(name, color, description);
    if (this.labels.has(name.toLowerCase())) throw validationFailed([{ resource: "Label", code: "already_exists", field: "name" }]);
    const label: FakeLabel = { id: this.newId(), name, color: color.toLowerCase(), description, default: false };
    this.labels.set(name.toLowerCase(), label);
    return label;
  }

  updateLabel(label: FakeLabel, change: { name?: string | undefined; color?: string | undefined; description?: string | null | undefined }): void {
    const name = change.name ?? label.name;
    const color = change.color ?? label.color;
    const description = change.description === undefined ? label.description : change.description;
    checkLabel(name, color, description);
    if (name.toLowerCase() !== label.name.toLowerCase() && this.labels.has(name.toLowerCase())) {
      throw validationFailed([{ resource: "Label", code: "already_exists", field: "name" }]);
    }
    this.labels.delete(label.name.toLowerCase());
    for (const issue of this.issues.values()) issue.labels = issue.labels.map((n) => (n === label.name ? name : n));
    Object.assign(label, { name, color: color.toLowerCase(), description });
    this.labels.set(name.toLowerCase(), label);
  }

  deleteLabel(label: FakeLabel): void {
    this.labels.delete(label.name.toLowerCase());
    for (const issue of this.issues.values()) issue.labels = issue.labels.filter((n) => n !== label.name);
  }

  /** Canonical names for `names`, creating missing labels as GitHub does (grey, no description). */
  ensureLabels(names: readonly string[]): string[] {
    const result: string[] = [];
    for (const name of names) {
      const label = this.labels.get(name.toLowerCase()) ?? this.createLabel(name);
      if (!result.includes(label.name)) result.push(label.name);
    }
    return result;
  }

  /** The PR's branch tips, followed while it is open (a deleted branch keeps the last known SHA). */
  refreshPull(pull: FakePull): FakePull {
    if (this.issues.get(pull.number)?.state === "open") {
      pull.headSha = this.git.branchSha(pull.head) ?? pull.headSha;
      pull.baseSha = this.git.branchSha(pull.base) ?? pull.baseSha;
    }
    return pull;
  }

  findPull(pullNumber: number): { pull: FakePull; issue: FakeIssue } {
    const pull = this.pulls.get(pullNumber);
    const issue = this.issues.get(pullNumber);
    if (!pull || !issue) throw notFound();
    return { pull: this.refreshPull(pull), issue };
  }

  /** Opening a PR for `head` into `base`, with GitHub's 422s; also used to seed one. */
  createPull(spec: { head: string; base?: string | undefined; title: string; body: string | null; draft?: boolean; user?: FakeUser | undefined; labels?: string[]; number?: number | undefined }): FakePull {
    const base = spec.base ?? this.defaultBranch;
    const headSha = this.git.branchSha(spec.head);
    const baseSha = this.git.branchSha(base);
    if (headSha === undefined) throw invalidField("PullRequest", "head");
    if (baseSha === undefined) throw invalidField("PullRequest", "base");
    const open = [...this.pulls.values()].find((p) => p.head === spec.head && p.base === base && this.issues.get(p.number)?.state === "open");
    if (open) {
      throw validationFailed([{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${this.owner}:${spec.head}.` }]);
    }
    if (this.git.ancestors(baseSha).has(headSha)) {
      throw validationFailed([{ resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${spec.head}` }]);
    }
    const issue = this.createIssue({ title: spec.title, body: spec.body, labels: spec.labels ?? [], assignees: [], user: spec.user, pullRequest: true, number: spec.number });
    const pull: FakePull = { number: issue.number, head: spec.head, base, headSha, baseSha, draft: spec.draft ?? false, merged: false, mergedAt: null, mergeCommitSha: null, mergedBy: null };
    this.pulls.set(pull.number, pull);
    return pull;
  }

  seedPull(spec: { number?: number; head: string; base?: string; title: string; body?: string | null; draft?: boolean; user?: string | Partial<FakeUser>; labels?: string[] }): FakePull {
    return this.createPull({ ...spec, body: spec.body ?? null, user: spec.user === undefined ? undefined : this.user(spec.user) });
  }

  /** Deleting a branch closes the open pull requests from it, as GitHub does. */
  deleteRef(ref: string): void {
    if (!this.git.refs.delete(ref)) throw httpError(422, "Reference does not exist");
    if (!ref.startsWith("refs/heads/")) return;
    const branch = ref.slice(11);
    for (const pull of this.pulls.values()) {
      const issue = this.issues.get(pull.number);
      if (pull.head === branch && issue?.state === "open") this.setIssueState(issue, "closed", null);
    }
  }
}

function checkLabel(name: string, color: string, description: string | null): void {
  if (name.trim() === "") throw invalidField("Label", "name", "missing_field");
  if (name.length > 50) throw invalidField("Label", "name");
  if (!/^[0-9a-fA-F]{6}$/.test(color)) throw invalidField("Label", "color");
  if (description !== null && description.length > 100) throw invalidField("Label", "description");
}

function stableId(login: string): number {
  let hash = 0;
  for (const char of login) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000;
  return 1_000_000 + hash;
}
