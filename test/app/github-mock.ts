import { createRequire } from "node:module";
import type nock from "nock";
import { expect } from "vitest";
import { withGitHubMock } from "../support/http-mock.js";
import type { FixtureRepo } from "./fixture-repo.js";

/**
 * GitHub as the bot's tests see it: real webhook payload shapes from
 * `@octokit/webhooks-examples`, and one nock interceptor per request a test expects,
 * each recording itself when used (through the shared `withGitHubMock()` helper, whose
 * `assertAllMocksUsed()` fails on unused interceptors and unmatched requests).
 */

type Json = Record<string, unknown>;
interface ExampleEvent {
  name: string;
  examples: Json[];
}

const EXAMPLES = createRequire(import.meta.url)("@octokit/webhooks-examples") as ExampleEvent[];

/** A deep copy of the first real example payload of an event and action. */
export function examplePayload(name: "issues" | "issue_comment", action: string): Json {
  const found = EXAMPLES.find((e) => e.name === name)?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`no ${name}.${action} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

export const INSTALLATION = 2;
export const BOT = { login: "apprentice-tools[bot]", type: "Bot" } as const;

export interface GhLabel {
  name: string;
  color: string;
  description: string | null;
}

export interface GhComment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

export interface GhIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  comments: GhComment[];
  author: string;
  state: "open" | "closed";
}

export function issue(overrides: Partial<GhIssue> = {}): GhIssue {
  return { number: 7, title: "Apprentice feedback", body: "", labels: [], comments: [], author: "nightly-apprentice", state: "open", ...overrides };
}

const CREATED = "2026-11-01T12:00:00Z";
const UPDATED = "2026-11-02T08:30:00Z";

/**
 * GitHub's side of a test: the repository, its labels, one issue; and every request the
 * bot makes, in order.
 */
export class MockGitHub {
  readonly scope: nock.Scope;
  readonly calls: string[] = [];
  /** The bodies of comments the bot created or updated, in order. */
  readonly written: { method: "POST" | "PATCH"; id: number; body: string }[] = [];
  readonly repoLabels = new Map<string, GhLabel>();
  private nextCommentId = 9001;

  constructor(
    readonly repo: FixtureRepo,
    readonly issue: GhIssue,
    existingLabels: GhLabel[] = [],
  ) {
    this.scope = withGitHubMock();
    for (const l of existingLabels) this.repoLabels.set(l.name.toLowerCase(), l);
  }

  private get base(): string {
    return `/repos/${this.repo.owner}/${this.repo.repo}`;
  }

  private record(call: string): void {
    this.calls.push(call);
  }

  label(name: string): Json {
    const l = this.repoLabels.get(name.toLowerCase()) ?? { name, color: "ededed", description: null };
    return { id: 1000 + this.calls.length, node_id: "LA_x", url: `https://api.github.com${this.base}/labels/${encodeURIComponent(l.name)}`, name: l.name, color: l.color, default: false, description: l.description };
  }

  /** The issue as the REST API returns it (the example payload's issue, with this test's fields). */
  apiIssue(): Json {
    const example = examplePayload("issues", "opened")["issue"] as Json;
    const { owner, repo } = this.repo;
    const i = this.issue;
    return {
      ...example,
      url: `https://api.github.com/repos/${owner}/${repo}/issues/${i.number}`,
      html_url: `https://github.com/${owner}/${repo}/issues/${i.number}`,
      number: i.number,
      title: i.title,
      body: i.body,
      user: { ...(example["user"] as Json), login: i.author, type: "User" },
      labels: i.labels.map((n) => this.label(n)),
      state: i.state,
      state_reason: null,
      comments: i.comments.length,
      created_at: CREATED,
      updated_at: UPDATED,
    };
  }

  apiComment(c: GhComment): Json {
    const example = examplePayload("issue_comment", "created")["comment"] as Json;
    const { owner, repo } = this.repo;
    return {
      ...example,
      id: c.id,
      url: `https://api.github.com/repos/${owner}/${repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${owner}/${repo}/issues/${this.issue.number}#issuecomment-${c.id}`,
      issue_url: `https://api.github.com/repos/${owner}/${repo}/issues/${this.issue.number}`,
      user: { ...(example["user"] as Json), ...c.user },
      body: c.body,
      created_at: CREATED,
      updated_at: UPDATED,
    };
  }

  /** A real-shaped `issues` webhook payload for this issue, with an installation. */
  issuesEvent(action: "opened" | "edited" | "labeled", extra: Json = {}): Json {
    const payload = examplePayload("issues", action);
    return { ...payload, ...this.envelope(), issue: this.apiIssue(), ...extra };
  }

  /** A real-shaped `issue_comment` webhook payload for one of this issue's comments. */
  commentEvent(action: "created" | "edited", comment: GhComment): Json {
    const payload = examplePayload("issue_comment", action);
    return { ...payload, ...this.envelope(), issue: this.apiIssue(), comment: this.apiComment(comment) };
  }

  private envelope(): Json {
    const example = examplePayload("issues", "opened");
    const repository = example["repository"] as Json;
    const { owner, repo, branch } = this.repo;
    return {
      repository: { ...repository, name: repo, full_name: `${owner}/${repo}`, owner: { ...(repository["owner"] as Json), login: owner }, default_branch: branch },
      sender: { ...(example["sender"] as Json), login: this.issue.author },
      installation: { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" },
    };
  }

  // One interceptor per expected request.

  token(): this {
    const path = `/app/installations/${INSTALLATION}/access_tokens`;
    this.scope.post(path).reply(() => {
      this.record(`POST ${path}`);
      return [201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: { issues: "write", contents: "read" }, repository_selection: "all" }];
    });
    return this;
  }

  getIssue(): this {
    const path = `${this.base}/issues/${this.issue.number}`;
    this.scope.get(path).reply(() => {
      this.record(`GET ${path}`);
      return [200, this.apiIssue()];
    });
    return this;
  }

  listComments(): this {
    const path = `${this.base}/issues/${this.issue.number}/comments`;
    this.scope
      .get(path)
      .query({ per_page: "100" })
      .reply(() => {
        this.record(`GET ${path}?per_page=100`);
        return [200, this.issue.comments.map((c) => this.apiComment(c))];
      });
    return this;
  }

  /** The recursive tree, and (cold cache) the blobs of every file the bot reads. */
  readRepo(blobs: "cold" | "warm"): this {
    this.repo.mock(this.scope, { blobs: blobs === "cold", record: (c) => this.record(c) });
    return this;
  }

  /** Adding labels; asserts exactly these names are sent. GitHub creates unknown labels bare. */
  addLabels(expected: string[]): this {
    const path = `${this.base}/issues/${this.issue.number}/labels`;
    this.scope.post(path).reply((_uri, body) => {
      this.record(`POST ${path}`);
      const names = (body as { labels: string[] }).labels;
      expect(names).toEqual(expected);
      for (const n of names) {
        if (!this.repoLabels.has(n.toLowerCase())) this.repoLabels.set(n.toLowerCase(), { name: n, color: "ededed", description: null });
        if (!this.issue.labels.some((l) => l.toLowerCase() === n.toLowerCase())) this.issue.labels.push(n);
      }
      return [200, this.issue.labels.map((n) => this.label(n))];
    });
    return this;
  }

  /** Giving a label GitHub created bare its colour and description. */
  styleLabel(name: string): this {
    const path = `${this.base}/labels/${encodeURIComponent(name)}`;
    this.scope.patch(path).reply((_uri, body) => {
      this.record(`PATCH ${path}`);
      const b = body as { color: string; description: string };
      expect(b.color).toMatch(/^[0-9a-f]{6}$/);
      expect(b.description).not.toBe("");
      this.repoLabels.set(name.toLowerCase(), { name, color: b.color, description: b.description });
      return [200, this.label(name)];
    });
    return this;
  }

  removeLabel(name: string): this {
    const path = `${this.base}/issues/${this.issue.number}/labels/${encodeURIComponent(name)}`;
    this.scope.delete(path).reply(() => {
      this.record(`DELETE ${path}`);
      this.issue.labels = this.issue.labels.filter((l) => l.toLowerCase() !== name.toLowerCase());
      return [200, this.issue.labels.map((n) => this.label(n))];
    });
    return this;
  }

  createComment(): this {
    const path = `${this.base}/issues/${this.issue.number}/comments`;
    this.scope.post(path).reply((_uri, body) => {
      this.record(`POST ${path}`);
      const c: GhComment = { id: this.nextCommentId++, body: (body as { body: string }).body, user: { ...BOT } };
      this.issue.comments.push(c);
      this.written.push({ method: "POST", id: c.id, body: c.body });
      return [201, this.apiComment(c)];
    });
    return this;
  }

  updateComment(id: number): this {
    const path = `${this.base}/issues/comments/${id}`;
    this.scope.patch(path).reply((_uri, body) => {
      this.record(`PATCH ${path}`);
      const c = this.issue.comments.find((x) => x.id === id);
      if (!c) return [404, { message: "Not Found" }];
      c.body = (body as { body: string }).body;
      this.written.push({ method: "PATCH", id, body: c.body });
      return [200, this.apiComment(c)];
    });
    return this;
  }

  /** The requests a cold read of the repository makes: the tree and each blob read. */
  coldRead(): string[] {
    return [`GET ${this.base}/git/trees/${this.repo.branch}?recursive=true`, ...this.repo.readPaths.map((p) => `GET ${this.base}/git/blobs/${this.repo.shas[p]}`)];
  }

  /** The bot's comments on the issue. */
  botComments(): GhComment[] {
    return this.issue.comments.filter((c) => c.user.type === "Bot");
  }
}

/** Compares request lists ignoring the order of concurrent reads, but keeping the order of writes. */
export function expectRequests(actual: readonly string[], expected: readonly string[]): void {
  const isWrite = (c: string) => !c.startsWith("GET ") && !c.includes("/access_tokens");
  expect([...actual].sort()).toEqual([...expected].sort());
  expect(actual.filter(isWrite)).toEqual(expected.filter(isWrite));
}
