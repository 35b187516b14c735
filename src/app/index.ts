import type { Context, Probot } from "probot";
import { createBotPort, type BlobCache, type BotOctokit } from "../github/bot-port.js";
import type { FileSource } from "../io/file-source.js";
import { handleFeedback, type EvidenceSink } from "./feedback-handler.js";
import { loadRepoContext } from "./repo-context.js";
import { IssueEventPayload, PullClosedPayload, reasonToIgnore } from "./payload.js";
import { dashboardSink, proposalClosed, rebuildDashboard } from "./dashboard.js";
import { rebuildRequested } from "../core/dashboard-render.js";
import { LABELS } from "../core/labels.js";
import { createKeyedQueue } from "./serial.js";

export interface AppOptions {
  /** Read the repository from here instead of the API (the bot inside Actions, with a checkout). */
  localSource?: FileSource;
  /** Path of the config file in the repository (the bot action's `config` input); default: apprentice-tools.yml or .github/apprentice-tools.yml. */
  configPath?: string;
  /** Where evidence goes; default: the dashboard issue (with proposals as pull requests). */
  evidence?: (port: ReturnType<typeof createBotPort>) => EvidenceSink;
  /** The clock (tests pass their own). */
  now?: () => Date;
}

type IssueEvent = Context<"issues"> | Context<"issue_comment">;

/**
 * The apprentice-tools GitHub App: `(app) => void`, registering handlers. It keeps no
 * state of its own beyond a cache of immutable blobs: GitHub holds everything else.
 */
export function createApp(options: AppOptions = {}) {
  return (app: Probot): void => {
    const blobs: BlobCache = new Map();
    const serial = createKeyedQueue();

    const onIssue = async (context: IssueEvent) => {
      const parsed = IssueEventPayload.safeParse(context.payload);
      if (!parsed.success) {
        context.log.warn(`ignoring ${context.name} event ${context.id}: unexpected payload (${parsed.error.issues[0]?.message ?? "invalid"})`);
        return;
      }
      const payload = parsed.data;
      const issueNumber = payload.issue.number;
      if (payload.action === "edited" && (payload.issue.labels ?? []).some((l) => l.name === LABELS.dashboard.name)) {
        // Ticking the dashboard's "rebuild" box asks for a full rebuild.
        if (rebuildRequested(payload.issue.body ?? "")) await rebuild(context.octokit as BotOctokit, payload.repository, context.log);
        return;
      }
      const ignore = reasonToIgnore(payload);
      if (ignore) {
        context.log.debug(`issue #${issueNumber}: ${context.name}.${payload.action ?? ""} ignored (${ignore})`);
        return;
      }
      const owner = payload.repository.owner.login;
      const repo = payload.repository.name;
      const port = createBotPort(context.octokit as BotOctokit, { owner, repo }, blobs);
      const branch = payload.repository.default_branch;
      await serial(`${owner}/${repo}`, async () => {
        const outcome = await handleFeedback(
          {
            port,
            loadContext: () => loadRepoContext(port, branch, options.localSource, options.configPath),
            evidence: options.evidence ? options.evidence(port) : dashboardSink({ port, now, log: context.log }),
            log: context.log,
          },
          issueNumber,
        );
        context.log.info(`issue #${issueNumber}: ${outcome}`);
      });
    };

    const now = options.now ?? (() => new Date());
    const rebuild = (octokit: BotOctokit, repository: { name: string; owner: { login: string }; default_branch: string }, log: Context["log"]) => {
      const port = createBotPort(octokit, { owner: repository.owner.login, repo: repository.name }, blobs);
      return serial(`${repository.owner.login}/${repository.name}`, async () => {
        const url = await rebuildDashboard({ port, now, log }, await loadRepoContext(port, repository.default_branch, options.localSource, options.configPath));
        log.info(`dashboard rebuilt${url ? `: ${url}` : ""}`);
      });
    };

    app.on("pull_request.closed", async (context) => {
      const parsed = PullClosedPayload.safeParse(context.payload);
      if (!parsed.success) return;
      const { repository, pull_request: pr } = parsed.data;
      // Only the bot's own proposals: a suggestion label and a branch it names.
      if (!pr.head.ref.startsWith("apprentice-tools/") || !(pr.labels ?? []).some((l) => l.name === LABELS.suggestion.name)) return;
      const port = createBotPort(context.octokit as BotOctokit, { owner: repository.owner.login, repo: repository.name }, blobs);
      await serial(`${repository.owner.login}/${repository.name}`, async () => {
        const ctx = await loadRepoContext(port, repository.default_branch, options.localSource, options.configPath);
        const handled = await proposalClosed({ port, now, log: context.log }, ctx, { number: pr.number, merged: Boolean(pr.merged) });
        context.log.info(`proposal #${pr.number} ${pr.merged ? "merged" : "declined"}${handled ? "" : " (already recorded)"}`);
      });
    });

    app.on(["issues.opened", "issues.edited", "issues.reopened", "issues.closed", "issues.labeled", "issues.unlabeled"], onIssue);
    app.on(["issue_comment.created", "issue_comment.edited", "issue_comment.deleted"], onIssue);
  };
}

/** A full dashboard rebuild for one repository (schedule / workflow_dispatch in Actions). */
export async function rebuildRepository(octokit: BotOctokit, repository: { owner: string; repo: string; defaultBranch: string }, options: AppOptions & { log: Context["log"] }): Promise<string | undefined> {
  const port = createBotPort(octokit, { owner: repository.owner, repo: repository.repo });
  const ctx = await loadRepoContext(port, repository.defaultBranch, options.localSource, options.configPath);
  return rebuildDashboard({ port, now: options.now ?? (() => new Date()), log: options.log }, ctx);
}

/** The app as probot loads it: `probot run ./build/src/app/index.js`. */
export default createApp();
