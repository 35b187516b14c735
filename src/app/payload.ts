import { z } from "zod";

/** The fields of a webhook payload the bot reads, parsed at the edge. */
export const IssueEventPayload = z.object({
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }), default_branch: z.string() }),
  issue: z.object({ number: z.int().positive(), labels: z.array(z.object({ name: z.string() })).optional() }),
  comment: z.object({ id: z.int(), body: z.string().nullable().optional(), user: z.object({ type: z.string().optional() }).nullable().optional() }).optional(),
  sender: z.object({ login: z.string(), type: z.string().optional() }).optional(),
});
export type IssueEventPayload = z.infer<typeof IssueEventPayload>;

export const PullClosedPayload = z.object({
  repository: z.object({ name: z.string(), owner: z.object({ login: z.string() }), default_branch: z.string() }),
  pull_request: z.object({ number: z.int().positive(), merged: z.boolean().nullable().optional(), head: z.object({ ref: z.string() }), labels: z.array(z.object({ name: z.string() })).optional() }),
});
export type PullClosedPayload = z.infer<typeof PullClosedPayload>;
