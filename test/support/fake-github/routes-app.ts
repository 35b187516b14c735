import { notFound, route, type Route, type RouteContext } from "./router.js";
import { APP_PERMISSIONS, installationJson, repoJson, userJson } from "./shapes.js";

const installationId = (ctx: RouteContext): number => {
  const id = Number(ctx.params["installation_id"]);
  if (id !== ctx.state.installationId) throw notFound();
  return id;
};

/** The repository itself and the GitHub App endpoints probot and `@octokit/auth-app` call. */
export const appRoutes: Route[] = [
  route("GET", "/repos/:owner/:repo", (ctx) => ({ status: 200, body: repoJson(ctx.links, ctx.state) })),
  route("GET", "/repos/:owner/:repo/installation", (ctx) => ({ status: 200, body: installationJson(ctx.links, ctx.state) })),
  route("GET", "/app", (ctx) => ({
    status: 200,
    body: {
      id: ctx.state.appId,
      slug: ctx.state.appSlug,
      node_id: Buffer.from(`App:${ctx.state.appId}`).toString("base64"),
      name: ctx.state.appSlug,
      owner: userJson(ctx.links, ctx.state.user({ login: ctx.state.owner, type: "Organization" })),
      html_url: `${ctx.links.html}/apps/${ctx.state.appSlug}`,
      permissions: APP_PERMISSIONS,
      events: ["issues", "issue_comment", "pull_request"],
      installations_count: 1,
      created_at: "2024-01-01T00:00:00Z",
      updated_at: "2024-01-01T00:00:00Z",
    },
  })),
  route("GET", "/app/installations", (ctx) => ({ status: 200, body: [installationJson(ctx.links, ctx.state)] })),
  route("GET", "/app/installations/:installation_id", (ctx) => {
    installationId(ctx);
    return { status: 200, body: installationJson(ctx.links, ctx.state) };
  }),
  route("POST", "/app/installations/:installation_id/access_tokens", (ctx) => {
    const id = installationId(ctx);
    const expires = new Date(Date.parse(ctx.state.now()) + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
      status: 201,
      body: { token: `ghs_fake${id}_${ctx.state.newId()}`, expires_at: expires, permissions: APP_PERMISSIONS, repository_selection: "selected" },
    };
  }),
  route("GET", "/installation/repositories", (ctx) => ({
    status: 200,
    body: { total_count: 1, repository_selection: "selected", repositories: [repoJson(ctx.links, ctx.state)] },
  })),
];
