import type { IncomingHttpHeaders } from "node:http";
import type { FakeGitHubState } from "./state.js";

export const DOCS_URL = "https://docs.github.com/rest";

/** What a route answers; `body` is sent as JSON unless `raw` is set. */
export interface Reply {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Absolute URLs as the client sees them (origin plus the `/api/v3` prefix when used). */
export interface Links {
  /** e.g. `http://127.0.0.1:1234/api/v3` */
  api: string;
  /** e.g. `http://127.0.0.1:1234` */
  html: string;
  /** e.g. `http://127.0.0.1:1234/api/v3/repos/o/r` */
  repoApi: string;
  /** e.g. `http://127.0.0.1:1234/o/r` */
  repoHtml: string;
}

export interface RouteContext {
  method: string;
  /** Path without the `/api/v3` prefix and without the query. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: IncomingHttpHeaders;
  state: FakeGitHubState;
  links: Links;
}

export type Handler = (ctx: RouteContext) => Reply;

export interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

/** `:name` matches one segment, `*name` the rest (zero or more segments). */
export function route(method: string, pattern: string, handler: Handler): Route {
  return { method, segments: pattern.split("/").filter((s) => s !== ""), handler };
}

const NUMERIC_PARAMS = new Set(["number", "id", "installation_id"]);

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split("/").filter((s) => s !== "");
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const params = matchSegments(candidate.segments, parts);
    if (params) return { route: candidate, params };
  }
  return undefined;
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    if (segment.startsWith("*")) {
      params[segment.slice(1)] = safeDecode(parts.slice(i).join("/"));
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith(":")) {
      const name = segment.slice(1);
      if (NUMERIC_PARAMS.has(name) && !/^\d+$/.test(part)) return undefined;
      params[name] = safeDecode(part);
    } else if (segment !== part) {
      return undefined;
    }
  }
  return parts.length === pattern.length ? params : undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** An error answer; thrown from routes and state operations, turned into a response by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${String(body["message"])}`);
  }
}

export function httpError(status: number, message: string, extra: Record<string, unknown> = {}): HttpError {
  return new HttpError(status, { message, ...extra, documentation_url: DOCS_URL, status: String(status) });
}

export const notFound = (message = "Not Found"): HttpError => httpError(404, message);

export function validationFailed(errors: Array<Record<string, unknown>>, message = "Validation Failed"): HttpError {
  return httpError(422, message, { errors });
}

export function invalidField(resource: string, field: string, code = "invalid"): HttpError {
  return validationFailed([{ resource, field, code }]);
}

/** The request body as an object; GitHub answers 400 to anything else. */
export function bodyOf(ctx: RouteContext): Record<string, unknown> {
  if (ctx.body === undefined) return {};
  if (typeof ctx.body !== "object" || ctx.body === null || Array.isArray(ctx.body)) {
    throw httpError(400, "Problems parsing JSON");
  }
  return ctx.body as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, key: string, resource: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidField(resource, key);
  return value;
}

export function requiredString(body: Record<string, unknown>, key: string, resource: string): string {
  const value = optionalString(body, key, resource);
  if (value === undefined) throw invalidField(resource, key, "missing_field");
  return value;
}

/** Label names from `["a", …]` or `[{name:"a"}, …]`, or `{labels: …}` around either. */
export function labelNamesOf(value: unknown, resource = "Label"): string[] {
  const list = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null && "labels" in value
      ? (value as { labels: unknown }).labels
      : undefined;
  if (!Array.isArray(list)) throw invalidField(resource, "labels");
  return list.map((entry: unknown) => {
    if (typeof entry === "string") return entry;
    if (typeof entry === "object" && entry !== null && typeof (entry as { name?: unknown }).name === "string") {
      return (entry as { name: string }).name;
    }
    throw invalidField(resource, "labels");
  });
}

/** One page of `items` with GitHub's `Link` header (`per_page` default 30, max 100); `toJson`, if given, converts only that page. */
export function paginate<T>(ctx: RouteContext, items: readonly T[], toJson?: (item: T) => unknown): Reply {
  const perPage = clamp(parseInt(ctx.query.get("per_page") ?? "30", 10) || 30, 1, 100);
  const page = Math.max(1, parseInt(ctx.query.get("page") ?? "1", 10) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const body = toJson ? slice.map(toJson) : slice;
  const link = (n: number): string => {
    const query = new URLSearchParams(ctx.query);
    query.set("per_page", String(perPage));
    query.set("page", String(n));
    return `${ctx.links.api}${ctx.path}?${query.toString()}`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(`<${link(page - 1)}>; rel="prev"`, `<${link(1)}>; rel="first"`);
  if (page < last) rels.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
  return { status: 200, body, headers: rels.length > 0 ? { link: rels.join(", ") } : {} };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** `sort`/`direction` as GitHub applies them; stable, so ties keep the order they came in. */
export function sortBy<T>(items: T[], key: (item: T) => string | number, direction: "asc" | "desc"): T[] {
  const sign = direction === "asc" ? 1 : -1;
  return items
    .map((item, index) => ({ item, index, value: key(item) }))
    .sort((a, b) => (a.value < b.value ? -sign : a.value > b.value ? sign : a.index - b.index))
    .map((entry) => entry.item);
}
