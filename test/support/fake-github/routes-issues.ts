import {
  bodyOf,
  invalidField,
  labelNamesOf,
  notFound,
  optionalString,
  paginate,
  requiredString,
  route,
  sortBy,
  type Route,
  type RouteContext,
} from "./router.js";
import { commentJson, issueJson, issueLabelsJson, labelJson } from "./shapes.js";
import type { FakeIssue, StateReason } from "./state.js";

const R = "/repos/:owner/:repo";

const issueNumber = (ctx: RouteContext): number => Number(ctx.params["number"]);
const issueReply = (ctx: RouteContext, issue: FakeIssue, status = 200) => ({ status, body: issueJson(ctx.links, ctx.state, issue) });
const labelsReply = (ctx: RouteContext, issue: FakeIssue) => ({ status: 200, body: issueLabelsJson(ctx.links, ctx.state, issue) });

function stringList(body: Record<string, unknown>, key: string, resource: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw invalidField(resource, key);
  return key === "labels" ? labelNamesOf(value, resource) : value.map(String);
}

function stateReasonOf(body: Record<string, unknown>): StateReason | undefined {
  if (!("state_reason" in body)) return undefined;
  const value = body["state_reason"];
  if (value === null) return null;
  if (value === "completed" || value === "not_planned" || value === "reopened" || value === "duplicate") return value;
  throw invalidField("Issue", "state_reason");
}

function listIssues(ctx: RouteContext) {
  const wanted = ctx.query.get("state") ?? "open";
  const labels = (ctx.query.get("labels") ?? "").split(",").map((l) => l.trim().toLowerCase()).filter((l) => l !== "");
  const since = ctx.query.get("since");
  const creator = ctx.query.get("creator");
  const sort = ctx.query.get("sort") ?? "created";
  const direction = ctx.query.get("direction") === "asc" ? "asc" : "desc";
  const matching = [...ctx.state.issues.values()].filter(
    (issue) =>
      (wanted === "all" || issue.state === wanted) &&
      labels.every((name) => issue.labels.some((l) => l.toLowerCase() === name)) &&
      (since === null || issue.updatedAt >= since) &&
      (creator === null || issue.user.login === creator),
  );
  const key = (issue: FakeIssue): string | number =>
    sort === "updated" ? issue.updatedAt : sort === "comments" ? issue.comments.length : issue.createdAt;
  const sorted = sortBy(sortBy(matching, (i) => i.number, direction), key, direction);
  return paginate(ctx, sorted, (issue) => issueJson(ctx.links, ctx.state, issue));
}

function updateIssue(ctx: RouteContext) {
  const issue = ctx.state.findIssue(issueNumber(ctx));
  const body = bodyOf(ctx);
  const title = optionalString(body, "title", "Issue");
  if (title !== undefined) issue.title = title;
  if ("body" in body) issue.body = optionalString(body, "body", "Issue") ?? null;
  const labels = stringList(body, "labels", "Issue");
  if (labels !== undefined) issue.labels = ctx.state.ensureLabels(labels);
  const assignees = stringList(body, "assignees", "Issue");
  if (assignees !== undefined) issue.assignees = assignees;
  const reason = stateReasonOf(body);
  const state = optionalString(body, "state", "Issue");
  if (state !== undefined) {
    if (state !== "open" && state !== "closed") throw invalidField("Issue", "state");
    ctx.state.setIssueState(issue, state, reason);
  } else if (reason !== undefined && issue.state === "closed") {
    issue.stateReason = reason;
  }
  ctx.state.touch(issue);
  return issueReply(ctx, issue);
}

export const issueRoutes: Route[] = [
  route("GET", `${R}/issues`, listIssues),
  route("POST", `${R}/issues`, (ctx) => {
    const body = bodyOf(ctx);
    const issue = ctx.state.createIssue({
      title: requiredString(body, "title", "Issue"),
      body: optionalString(body, "body", "Issue") ?? null,
      labels: stringList(body, "labels", "Issue") ?? [],
      assignees: stringList(body, "assignees", "Issue") ?? [],
    });
    return issueReply(ctx, issue, 201);
  }),

  // Comments: the `/issues/comments…` routes come before `/issues/:number` (`:number` is digits only anyway).
  route("GET", `${R}/issues/comments`, (ctx) => {
    const all = [...ctx.state.issues.values()].flatMap((issue) => issue.comments);
    return paginate(ctx, sortBy(all, (c) => c.id, "asc"), (c) => commentJson(ctx.links, ctx.state, c));
  }),
  route("GET", `${R}/issues/comments/:id`, (ctx) => {
    const { comment } = ctx.state.findComment(Number(ctx.params["id"]));
    return { status: 200, body: commentJson(ctx.links, ctx.state, comment) };
  }),
  route("PATCH", `${R}/issues/comments/:id`, (ctx) => {
    const { issue, comment } = ctx.state.findComment(Number(ctx.params["id"]));
    const text = requiredString(bodyOf(ctx), "body", "IssueComment");
    if (text === "") throw invalidField("IssueComment", "body", "missing_field");
    comment.body = text;
    comment.updatedAt = ctx.state.now();
    ctx.state.touch(issue);
    return { status: 200, body: commentJson(ctx.links, ctx.state, comment) };
  }),
  route("DELETE", `${R}/issues/comments/:id`, (ctx) => {
    const { issue, comment } = ctx.state.findComment(Number(ctx.params["id"]));
    issue.comments = issue.comments.filter((c) => c !== comment);
    ctx.state.touch(issue);
    return { status: 204 };
  }),

  route("GET", `${R}/issues/:number`, (ctx) => issueReply(ctx, ctx.state.findIssue(issueNumber(ctx)))),
  route("PATCH", `${R}/issues/:number`, updateIssue),

  route("GET", `${R}/issues/:number/comments`, (ctx) => {
    const issue = ctx.state.findIssue(issueNumber(ctx));
    const since = ctx.query.get("since");
    const comments = issue.comments.filter((c) => since === null || c.updatedAt >= since);
    return paginate(ctx, comments.map((c) => commentJson(ctx.links, ctx.state, c)));
  }),
  route("POST", `${R}/issues/:number/comments`, (ctx) => {
    const issue = ctx.state.findIssue(issueNumber(ctx));
    const comment = ctx.state.addComment(issue, requiredString(bodyOf(ctx), "body", "IssueComment"));
    return { status: 201, body: commentJson(ctx.links, ctx.state, comment), headers: { location: `${ctx.links.repoApi}/issues/comments/${comment.id}` } };
  }),

  // Labels on an issue.
  route("GET", `${R}/issues/:number/labels`, (ctx) => {
    const issue = ctx.state.findIssue(issueNumber(ctx));
    return paginate(ctx, issueLabelsJson(ctx.links, ctx.state, issue));
  }),
  route("POST", `${R}/issues/:number/labels`, (ctx) => {
    const issue = ctx.state.findIssue(issueNumber(ctx));
    const added = ctx.state.ensureLabels(labelNamesOf(ctx.body));
    issue.labels = [...issue.labels, ...added.filter((name) => !issue.labels.includes(name))];
    ctx.state.touch(issue);
    return labelsReply(ctx, issue);
  }),
  route("PUT", `${R}/issues/:number/labels`, (ctx) => {
    const issue = ctx.state.findIssue(issueNumber(ctx));
    issue.labels = ctx.state.ensureLabels(labelNamesOf(ctx.body));
    ctx.state.touch(issue);
    return labelsReply(ctx, issue);
  }),
  route("DELETE", `${R}/issues/:number/labels`, (ctx) => {
    const issue = ctx.state.findIssue(issueNumber(ctx));
    issue.labels = [];
    ctx.state.touch(issue);
    return { status: 204 };
  }),
  route("DELETE", `${R}/issues/:number/labels/:name`, (ctx) => {
    const issue = ctx.state.findIssue(issueNumber(ctx));
    const name = (ctx.params["name"] ?? "").toLowerCase();
    if (!issue.labels.some((l) => l.toLowerCase() === name)) throw notFound("Label does not exist");
    issue.labels = issue.labels.filter((l) => l.toLowerCase() !== name);
    ctx.state.touch(issue);
    return labelsReply(ctx, issue);
  }),

  // Repository labels.
  route("GET", `${R}/labels`, (ctx) =>
    paginate(ctx, [...ctx.state.labels.values()].map((label) => labelJson(ctx.links, label))),
  ),
  route("POST", `${R}/labels`, (ctx) => {
    const body = bodyOf(ctx);
    const label = ctx.state.createLabel(
      requiredString(body, "name", "Label"),
      optionalString(body, "color", "Label"),
      optionalString(body, "description", "Label") ?? null,
    );
    return { status: 201, body: labelJson(ctx.links, label) };
  }),
  route("GET", `${R}/labels/:name`, (ctx) => ({ status: 200, body: labelJson(ctx.links, ctx.state.findLabel(ctx.params["name"] ?? "")) })),
  route("PATCH", `${R}/labels/:name`, (ctx) => {
    const label = ctx.state.findLabel(ctx.params["name"] ?? "");
    const body = bodyOf(ctx);
    ctx.state.updateLabel(label, {
      name: optionalString(body, "new_name", "Label"),
      color: optionalString(body, "color", "Label"),
      description: "description" in body ? (optionalString(body, "description", "Label") ?? null) : undefined,
    });
    return { status: 200, body: labelJson(ctx.links, label) };
  }),
  route("DELETE", `${R}/labels/:name`, (ctx) => {
    ctx.state.deleteLabel(ctx.state.findLabel(ctx.params["name"] ?? ""));
    return { status: 204 };
  }),
];
