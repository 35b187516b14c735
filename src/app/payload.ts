import { z } from "zod";
import { mayCarryFeedback } from "../core/feedback-triage.js";

/** The fields of a webhook payload the bot reads, parsed at the edge. */
export const IssueEventPayload = z.object({
  action: z.string().optional(),
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }), default_branch: z.string() }),
  issue: z.object({
    number: z.int().positive(),
    body: z.string().nullable().optional(),
    labels: z.array(z.object({ name: z.string() })).optional(),
    pull_request: z.unknown().optional(),
  }),
  comment: z.object({ id: z.int(), body: z.string().nullable().optional(), user: z.object({ type: z.string().optional() }).nullable().optional() }).optional(),
  /** For `labeled` / `unlabeled`: the label concerned. */
  label: z.object({ name: z.string() }).optional(),
  /** For `edited`: which fields changed. */
  changes: z.record(z.string(), z.unknown()).optional(),
  sender: z.object({ login: z.string(), type: z.string().optional() }).optional(),
});
export type IssueEventPayload = z.infer<typeof IssueEventPayload>;

/**
 * Why an event needs no work at all (no request to GitHub), or undefined when it may.
 * Decided from the payload alone: it cannot prove that an issue carries feedback, only
 * that it certainly does not need the bot.
 */
export function reasonToIgnore(payload: IssueEventPayload): string | undefined {
  if (payload.issue.pull_request !== undefined && payload.issue.pull_request !== null) return "a pull request";
  const comment = payload.comment;
  // The bot's own comments trigger events too; they never carry feedback.
  if (comment?.user?.type === "Bot" && comment.body?.startsWith("<!-- apprentice-tools:")) return "the bot's own comment";
  if (payload.action === "labeled" || payload.action === "unlabeled") {
    // Only a person's `apprentice:<type>` label changes what the feedback means; the bot's own labels do not.
    if (!payload.label?.name.toLowerCase().startsWith("apprentice:")) return "a label the bot does not read";
    if (payload.sender?.type === "Bot") return "a label set by a bot";
  }
  if (payload.action === "edited" && !comment && payload.changes && Object.keys(payload.changes).length > 0 && !("body" in payload.changes)) return "an edit that left the body alone";
  const labels = (payload.issue.labels ?? []).map((l) => l.name);
  if (!mayCarryFeedback([payload.issue.body ?? "", comment?.body ?? ""], labels)) return "no feedback";
  return undefined;
}

export const PullClosedPayload = z.object({
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }), default_branch: z.string() }),
  pull_request: z.object({ number: z.int().positive(), merged: z.boolean().nullable().optional(), head: z.object({ ref: z.string() }), labels: z.array(z.object({ name: z.string() })).optional() }),
});
export type PullClosedPayload = z.infer<typeof PullClosedPayload>;
