import { PLAN_COMMENT_MARKER, renderPlanComment } from "../core/render-comment.js";
import type { CheckPort } from "../github/check-port.js";
import { upsertStickyComment } from "../github/sticky-comment.js";
import type { CheckOutcome } from "./check.js";
import type { PullRequestRef } from "./run-context.js";

export interface CommentReport {
  level: "info" | "notice" | "warning";
  message: string;
}

export function commentBody(o: CheckOutcome, pr: PullRequestRef, runUrl?: string): string | undefined {
  if (!o.diff) return undefined;
  const run = runUrl ? ` · [details in the job summary](${runUrl})` : "";
  return renderPlanComment({ diff: o.diff, findings: o.findings, footer: `<sub>apprentice-tools · at ${pr.headSha.slice(0, 7)}${run}</sub>` });
}

/**
 * Keeps the pull request's one plan comment up to date. Never throws: a token that may
 * not write (a fork's) gets one notice saying why and how to enable it; any other API
 * failure a warning.
 */
export async function publishPlanComment(port: CheckPort | undefined, pr: PullRequestRef, o: CheckOutcome, runUrl?: string): Promise<CommentReport> {
  const body = commentBody(o, pr, runUrl);
  if (body === undefined) return { level: "info", message: "Plan comment skipped: the base revision could not be read, so there is no change to show." };
  if (!port) return { level: "notice", message: "Plan comment skipped: the github-token input is empty. Pass `github-token: ${{ github.token }}` (the default) with `permissions: pull-requests: write` to get it." };
  try {
    const result = await upsertStickyComment(port, pr.number, PLAN_COMMENT_MARKER, body);
    if (result.action === "forbidden") {
      const why = pr.fromFork ? "this pull request comes from a fork, and GitHub gives fork pull requests a read-only token" : "the token has no write access to pull requests";
      return {
        level: "notice",
        message: `Plan comment skipped: GitHub answered ${result.status} (${result.message}) because ${why}. Everything else ran; the job summary shows what the pull request changes. To get the comment on pull requests from branches of this repository, add \`permissions: { contents: read, pull-requests: write }\` to the workflow.`,
      };
    }
    const verb = { created: "created", updated: "updated", unchanged: "left as is (no change)" }[result.action];
    return { level: "info", message: `Plan comment ${verb} on #${pr.number} (comment ${result.commentId}).` };
  } catch (err) {
    return { level: "warning", message: `The plan comment could not be written (${(err as Error).message}); the job summary shows the same. Re-run the job to try again.` };
  }
}
