import { readFile } from "node:fs/promises";
import * as core from "@actions/core";
import { Probot } from "probot";
import { z } from "zod";
import type { BotOctokit } from "../github/bot-port.js";
import { createApp, rebuildRepository } from "./index.js";
import { botOctokit } from "./octokit.js";

/**
 * The bot inside GitHub Actions (`uses: mallku/apprentice-tools/bot@v1`): the same app
 * as the server, on the workflow's event, with the workflow's token.
 *
 * Why this glue instead of `@probot/adapter-github-actions`: the published adapter pins
 * probot 13 and @actions/core 1, which would put a second probot (and a second Octokit
 * stack) into the tree and the bundle. probot 14 does what the adapter did by itself:
 * `new Probot({ githubToken })` authenticates every request with the token, and
 * `probot.receive()` dispatches an event to the app's handlers without a server.
 */

/** Events that run the app's handlers. */
const WEBHOOK_EVENTS = new Set(["issues", "issue_comment", "pull_request"]);
/** Events with no feedback of their own: they rebuild the dashboard from the labelled issues. */
const SCHEDULED_EVENTS = new Set(["schedule", "workflow_dispatch"]);

const ActionEnv = z.object({
  GITHUB_EVENT_NAME: z.string({ error: "GITHUB_EVENT_NAME is not set: the bot runs inside a GitHub Actions workflow, where the runner sets it (locally, set it to the event's name, e.g. issues)." }).min(1, "GITHUB_EVENT_NAME is empty: set it to the event's name, e.g. issues."),
  GITHUB_EVENT_PATH: z.string({ error: "GITHUB_EVENT_PATH is not set: the bot runs inside a GitHub Actions workflow, where the runner sets it (locally, point it at a saved webhook payload)." }).min(1, "GITHUB_EVENT_PATH is empty: point it at the event's payload file."),
  GITHUB_API_URL: z.url({ error: "GITHUB_API_URL is not a URL: leave it to the runner (https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server)." }).default("https://api.github.com"),
  GITHUB_REPOSITORY: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "GITHUB_REPOSITORY must be owner/name: leave it to the runner.").optional(),
  GITHUB_RUN_ID: z.string().default("local"),
  GITHUB_RUN_ATTEMPT: z.string().default("1"),
  RUNNER_DEBUG: z.string().optional(),
});

const Payload = z.record(z.string(), z.unknown(), { error: "the event payload is not a JSON object" });

/** Says what went wrong in terms of what to do: the token's permissions, the API, or a bug. */
export function describeFailure(error: unknown): string {
  const errors = error instanceof AggregateError && error.errors.length > 0 ? error.errors : [error];
  return errors
    .map((e: unknown) => {
      const status = typeof e === "object" && e !== null && "status" in e ? Number((e as { status: unknown }).status) : undefined;
      const request = typeof e === "object" && e !== null && "request" in e ? (e as { request?: { method?: string; url?: string } }).request : undefined;
      const call = request?.method && request.url ? ` (${request.method} ${request.url})` : "";
      // Octokit appends the documentation URL to GitHub's message; the guidance below says more.
      const message = (e instanceof Error ? e.message : String(e)).replace(/ - https:\/\/docs\.github\.com\S*$/, "");
      if (status === 401) return `GitHub refused the token${call}: ${message}. Leave the github-token input at its default, \${{ github.token }}, or pass a token of this repository.`;
      if (status === 403 && /secondary rate limit/i.test(message)) return `GitHub's secondary rate limit stopped a request${call} after retries. Nothing is lost: the next run (or a re-run of this one) picks up where this one stopped.`;
      if (status === 403) return `The token may not do this${call}: ${message}. Give the job \`permissions: { issues: write, pull-requests: write, contents: write }\` (see docs/bot.md); a pull request from a fork only ever gets a read-only token.`;
      if (status === 404) return `GitHub answered 404${call}: ${message}. The token cannot see that repository or the thing is gone; check GITHUB_API_URL and the token's repository.`;
      if (status !== undefined && status >= 500) return `GitHub failed${call} with ${status} after retries: ${message}. Re-run the job; nothing half-done is left that a re-run will not finish.`;
      return e instanceof Error ? `${e.name}: ${message}` : message;
    })
    .join("\n");
}

/** Runs the bot on the workflow's event; every failure ends in `core.setFailed`. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const parsed = ActionEnv.safeParse(env);
    if (!parsed.success) {
      core.setFailed(parsed.error.issues.map((i) => i.message).join("\n"));
      return;
    }
    const { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: eventPath, GITHUB_API_URL: baseUrl } = parsed.data;
    const scheduled = SCHEDULED_EVENTS.has(name);
    if (!scheduled && !WEBHOOK_EVENTS.has(name)) {
      core.warning(`The apprentice-tools bot does nothing on ${name} events: run it on issues, issue_comment, pull_request (closed), schedule and workflow_dispatch (see docs/bot.md for a complete workflow).`);
      return;
    }

    const token = core.getInput("github-token") || env["GITHUB_TOKEN"] || "";
    if (token === "") {
      core.setFailed("No token: the github-token input is empty and GITHUB_TOKEN is not set. Leave github-token at its default (${{ github.token }}) and give the job `permissions: { issues: write, pull-requests: write, contents: write }`.");
      return;
    }
    core.setSecret(token);

    let payload: Record<string, unknown>;
    try {
      payload = Payload.parse(JSON.parse(await readFile(eventPath, "utf8")));
    } catch (error) {
      core.setFailed(`Cannot read the event payload at GITHUB_EVENT_PATH (${eventPath}): ${error instanceof z.ZodError ? (error.issues[0]?.message ?? "invalid") : error instanceof Error ? error.message : String(error)}.`);
      return;
    }

    const configPath = core.getInput("config");
    const options = configPath ? { configPath } : {};
    const probot = new Probot({ githubToken: token, baseUrl, Octokit: botOctokit(), logLevel: parsed.data.RUNNER_DEBUG === "1" ? "debug" : "info" });

    if (scheduled) {
      const repository = parsed.data.GITHUB_REPOSITORY;
      if (!repository) {
        core.setFailed("GITHUB_REPOSITORY is not set: the runner sets it to owner/name; locally, set it to the repository whose dashboard to rebuild.");
        return;
      }
      const [owner, repo] = repository.split("/") as [string, string];
      // With a token there is no installation to authenticate as: probot's own Octokit carries the token.
      const octokit = (await probot.auth()) as BotOctokit;
      const fromPayload = (payload["repository"] as { default_branch?: unknown } | undefined)?.default_branch;
      const defaultBranch = typeof fromPayload === "string" ? fromPayload : (await octokit.rest.repos.get({ owner, repo })).data.default_branch;
      core.info(`${name}: rebuilding the feedback dashboard of ${repository} from its labelled issues (API: ${baseUrl}).`);
      const url = await rebuildRepository(octokit, { owner, repo, defaultBranch }, { ...options, log: probot.log });
      core.info(url ? `Dashboard: ${url}` : "No dashboard published: the configuration turns it off (feedback.dashboard: false).");
      return;
    }

    await probot.load(createApp(options));
    const action = typeof payload["action"] === "string" ? `.${payload["action"]}` : "";
    core.info(`Handling ${name}${action} with the app's handlers (API: ${baseUrl}).`);
    // The handlers throw on what they cannot recover from; probot collects them into one error.
    await probot.receive({ id: `${parsed.data.GITHUB_RUN_ID}-${parsed.data.GITHUB_RUN_ATTEMPT}`, name, payload } as Parameters<Probot["receive"]>[0]);
  } catch (error) {
    core.setFailed(describeFailure(error));
  }
}
