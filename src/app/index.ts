import type { Context, Probot } from "probot";
import { createBotPort, type BlobCache, type BotOctokit } from "../github/bot-port.js";
import type { FileSource } from "../io/file-source.js";
import { handleFeedback, type EvidenceSink } from "./feedback-handler.js";
import { loadRepoContext } from "./repo-context.js";
import { IssueEventPayload, reasonToIgnore } from "./payload.js";
import { createKeyedQueue } from "./serial.js";

export interface AppOptions {
  /** Read the repository from here instead of the API (the bot inside Actions, with a checkout). */
  localSource?: FileSource;
  /** Path of the config file in the repository (the bot action's `config` input); default: apprentice-tools.yml or .github/apprentice-tools.yml. */
  configPath?: string;
  /** Where evidence goes (the dashboard); none = replies without evidence counts. */
  evidence?: (port: ReturnType<typeof createBotPort>) => EvidenceSink;
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
            ...(options.evidence ? { evidence: options.evidence(port) } : {}),
            log: context.log,
          },
          issueNumber,
        );
        context.log.info(`issue #${issueNumber}: ${outcome}`);
      });
    };

    app.on(["issues.opened", "issues.edited", "issues.reopened", "issues.closed", "issues.labeled", "issues.unlabeled"], onIssue);
    app.on(["issue_comment.created", "issue_comment.edited", "issue_comment.deleted"], onIssue);
  };
}

/** The app as probot loads it: `probot run ./build/src/app/index.js`. */
export default createApp();
