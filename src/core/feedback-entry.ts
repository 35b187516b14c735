import { z } from "zod";

/**
 * One piece of apprentice feedback (DESIGN §6), whichever way it was written: an
 * issue form or a khipu line. Both parsers produce this model, the bot labels and
 * answers from it, and aggregation counts it.
 */

export const FEEDBACK_KINDS = ["missing-tool", "tool-problem", "tool-suggestion"] as const;
export const FeedbackKindSchema = z.enum(FEEDBACK_KINDS);
export type FeedbackKind = z.infer<typeof FeedbackKindSchema>;

export const FEEDBACK_SEVERITIES = ["blocking", "degraded", "minor"] as const;
export const FeedbackSeveritySchema = z.enum(FEEDBACK_SEVERITIES);
export type FeedbackSeverity = z.infer<typeof FeedbackSeveritySchema>;

export const FeedbackFormatSchema = z.enum(["form", "khipu"]);
export type FeedbackFormat = z.infer<typeof FeedbackFormatSchema>;

export const IssueStateSchema = z.enum(["open", "closed"]);
export const IssueStateReasonSchema = z.enum(["completed", "not_planned", "reopened"]);

export const FeedbackSourceSchema = z.object({
  /** Null when the body did not come from an issue (e.g. `feedback parse FILE`). */
  issue_number: z.int().positive().nullable(),
  /** Set when the entry was written in a comment rather than the issue body. */
  comment_id: z.int().positive().nullable(),
  url: z.string().nullable(),
});
export type FeedbackSource = z.infer<typeof FeedbackSourceSchema>;

export const FeedbackEntrySchema = z.object({
  kind: FeedbackKindSchema,
  apprentice_type: z.string().nullable(),
  /** The tool the feedback is about (for a suggestion: the tool to replace). May be empty or invalid: see the parse problems. */
  tool: z.string(),
  /** Only for `tool-suggestion`: the tool proposed instead. */
  suggested_tool: z.string().nullable(),
  /** What it was needed for, what went wrong, or why to replace it. */
  text: z.string(),
  /** Only tool problems carry a severity, and only when the reporter gave one. */
  severity: FeedbackSeveritySchema.nullable(),
  source: FeedbackSourceSchema,
  author: z.string().nullable(),
  created_at: z.iso.datetime({ offset: true }).nullable(),
  updated_at: z.iso.datetime({ offset: true }).nullable(),
  state: IssueStateSchema,
  state_reason: IssueStateReasonSchema.nullable(),
  format: FeedbackFormatSchema,
});
export type FeedbackEntry = z.infer<typeof FeedbackEntrySchema>;

/** Why an entry cannot be acted on as written; the bot turns these into a `needs-info` reply. */
export const FEEDBACK_PROBLEM_KINDS = ["empty-tool", "invalid-tool-name", "missing-apprentice-type", "invalid-template"] as const;
export type FeedbackProblemKind = (typeof FEEDBACK_PROBLEM_KINDS)[number];

export interface FeedbackProblem {
  kind: FeedbackProblemKind;
  /** Index into `entries` of the entry concerned; null for problems of the whole body (`invalid-template`). */
  entry: number | null;
  /** The entry field at fault. */
  field: "tool" | "suggested_tool" | "apprentice_type" | null;
  /** 1-based line in the (normalised) body, when known. */
  line: number | null;
  message: string;
}
