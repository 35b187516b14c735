import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { createRequire } from "node:module";

/**
 * Webhooks as GitHub sends them: real payloads from @octokit/webhooks-examples with this
 * project's bodies, signed with `x-hub-signature-256` over the exact bytes sent.
 */

type Json = Record<string, unknown>;
interface ExampleSet {
  name: string;
  examples: Json[];
}

const require = createRequire(import.meta.url);
const EXAMPLES = require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleSet[];

/** A deep copy of the first example of `name` with `action`. */
export function example(name: string, action: string): Json {
  const found = EXAMPLES.find((e) => e.name === name)?.examples.find((e) => e["action"] === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name}.${action} example`);
  return structuredClone(found);
}

export interface RepoCoordinates {
  owner: string;
  repo: string;
  defaultBranch: string;
  installationId: number;
  /** Base of the html/api URLs in the payload (the fake GitHub's origin). */
  origin: string;
}

function pointAt(payload: Json, where: RepoCoordinates): Json {
  const repository = payload["repository"] as Json & { owner: Json };
  payload["repository"] = {
    ...repository,
    name: where.repo,
    full_name: `${where.owner}/${where.repo}`,
    default_branch: where.defaultBranch,
    html_url: `${where.origin}/${where.owner}/${where.repo}`,
    owner: { ...repository.owner, login: where.owner, type: "Organization" },
  };
  payload["installation"] = { id: where.installationId, node_id: Buffer.from(`Installation:${where.installationId}`).toString("base64") };
  return payload;
}

export interface IssueSpec {
  number: number;
  title: string;
  body: string;
  author: string;
  labels?: string[];
}

/** `issues.<action>` for an issue as the fake GitHub holds it. */
export function issuesEvent(action: "opened" | "edited", issue: IssueSpec, where: RepoCoordinates): Json {
  const payload = pointAt(example("issues", action), where);
  const base = payload["issue"] as Json & { user: Json };
  payload["issue"] = {
    ...base,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: "open",
    labels: (issue.labels ?? []).map((name) => ({ name, color: "ededed" })),
    user: { ...base.user, login: issue.author, type: "User" },
    html_url: `${where.origin}/${where.owner}/${where.repo}/issues/${issue.number}`,
  };
  payload["sender"] = { ...(payload["sender"] as Json), login: issue.author, type: "User" };
  return payload;
}

/** `issue_comment.created` on an issue. */
export function commentEvent(issue: IssueSpec, comment: { id: number; body: string; author: string }, where: RepoCoordinates): Json {
  const payload = pointAt(example("issue_comment", "created"), where);
  const base = payload["issue"] as Json & { user: Json };
  payload["issue"] = { ...base, number: issue.number, title: issue.title, body: issue.body, state: "open", labels: [], user: { ...base.user, login: issue.author, type: "User" }, pull_request: undefined };
  const c = payload["comment"] as Json & { user: Json };
  payload["comment"] = { ...c, id: comment.id, body: comment.body, user: { ...c.user, login: comment.author, type: "User" } };
  payload["sender"] = { ...(payload["sender"] as Json), login: comment.author, type: "User" };
  return payload;
}

/** `pull_request.closed` for a pull request as the fake GitHub holds it (merged or declined). */
export function pullClosedEvent(pr: { number: number; head: string; base?: string; merged: boolean; labels?: string[] }, where: RepoCoordinates): Json {
  const payload = pointAt(example("pull_request", "closed"), where);
  const base = payload["pull_request"] as Json & { head: Json; base: Json };
  payload["number"] = pr.number;
  payload["pull_request"] = {
    ...base,
    number: pr.number,
    state: "closed",
    merged: pr.merged,
    labels: (pr.labels ?? []).map((name) => ({ name, color: "ededed" })),
    head: { ...base.head, ref: pr.head, repo: payload["repository"] },
    base: { ...base.base, ref: pr.base ?? where.defaultBranch, repo: payload["repository"] },
    html_url: `${where.origin}/${where.owner}/${where.repo}/pull/${pr.number}`,
  };
  return payload;
}

export function sign(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface Delivery {
  name: string;
  payload: Json;
  secret: string;
  /** Reuse an id to redeliver; default: a new UUID, as GitHub gives every delivery. */
  id?: string;
  /** Override the signature (a forged or stale one). */
  signature?: string;
}

export interface DeliveryResult {
  id: string;
  status: number;
  text: string;
}

/** POSTs one webhook the way GitHub does and returns the app's answer. */
export async function deliver(url: string, d: Delivery): Promise<DeliveryResult> {
  const body = JSON.stringify(d.payload);
  const id = d.id ?? randomUUID();
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/e2e",
      "x-github-event": d.name,
      "x-github-delivery": id,
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-hub-signature-256": d.signature ?? sign(body, d.secret),
    },
    body,
  });
  return { id, status: res.status, text: await res.text() };
}

/** A fresh GitHub App key, as the app settings page would give one (PKCS#1 PEM). */
export function generateAppKey(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
}
