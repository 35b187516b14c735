import { z } from "zod";
import type { RepoRef } from "../github/check-port.js";
import { ActionInputError } from "./errors.js";

/** What the pull request event tells the check. */
export interface PullRequestRef {
  number: number;
  baseSha: string;
  baseRef: string;
  headSha: string;
  /** The head lives in another repository: its token is read-only. */
  fromFork: boolean;
}

/** Where and for what the action runs, read from the runner's environment. */
export interface RunContext {
  /** The checkout (the step's working directory). */
  workspace: string;
  /** Where output files go (RUNNER_TEMP on a runner). */
  tempDir: string;
  apiUrl: string;
  repository?: RepoRef;
  /** Link to this workflow run, for the comment's footer. */
  runUrl?: string;
  pullRequest?: PullRequestRef;
}

const RepoSchema = z.object({ full_name: z.string() });

/** The fields of a `pull_request` webhook payload the check uses. */
const PullRequestPayload = z.object({
  number: z.number().int().positive(),
  pull_request: z.object({
    number: z.number().int().positive(),
    base: z.object({ sha: z.string().regex(/^[0-9a-f]{40,64}$/), ref: z.string(), repo: RepoSchema }),
    head: z.object({ sha: z.string().regex(/^[0-9a-f]{40,64}$/), repo: RepoSchema.nullable() }),
  }),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }) }).optional(),
});

function repoFrom(full: string | undefined): RepoRef | undefined {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(full ?? "");
  return m ? { owner: m[1] as string, repo: m[2] as string } : undefined;
}

/**
 * Reads the run's context. Only `pull_request` events have a base to compare with; any
 * other event checks the working tree alone.
 */
export async function readRunContext(env: Readonly<Record<string, string | undefined>>, workspace: string, tempDir: string, readText: (path: string) => Promise<string>): Promise<RunContext> {
  const ctx: RunContext = { workspace, tempDir: env["RUNNER_TEMP"] || tempDir, apiUrl: (env["GITHUB_API_URL"] || "https://api.github.com").replace(/\/+$/, "") };
  let repository = repoFrom(env["GITHUB_REPOSITORY"]);
  const server = (env["GITHUB_SERVER_URL"] || "https://github.com").replace(/\/+$/, "");
  const eventPath = env["GITHUB_EVENT_PATH"];
  if (env["GITHUB_EVENT_NAME"] === "pull_request" && eventPath) {
    let payload: unknown;
    try {
      payload = JSON.parse(await readText(eventPath));
    } catch (err) {
      throw new ActionInputError(`The pull_request event payload at ${eventPath} cannot be read: ${(err as Error).message}`, "On GitHub the runner writes this file; when running locally, point GITHUB_EVENT_PATH at a saved pull_request payload or unset GITHUB_EVENT_NAME.");
    }
    const parsed = PullRequestPayload.safeParse(payload);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join(".")).join(", ");
      throw new ActionInputError(`The event payload at ${eventPath} is not a pull_request payload (missing or malformed: ${where}).`, "When running locally, save a real pull_request payload (e.g. from @octokit/webhooks-examples) and point GITHUB_EVENT_PATH at it.");
    }
    const pr = parsed.data.pull_request;
    repository ??= parsed.data.repository ? { owner: parsed.data.repository.owner.login, repo: parsed.data.repository.name } : undefined;
    ctx.pullRequest = {
      number: pr.number,
      baseSha: pr.base.sha,
      baseRef: pr.base.ref,
      headSha: pr.head.sha,
      fromFork: pr.head.repo?.full_name.toLowerCase() !== pr.base.repo.full_name.toLowerCase(),
    };
  }
  if (repository) {
    ctx.repository = repository;
    if (env["GITHUB_RUN_ID"]) ctx.runUrl = `${server}/${repository.owner}/${repository.repo}/actions/runs/${env["GITHUB_RUN_ID"]}`;
  }
  return ctx;
}
