import { z } from "zod";
import { applyIssue, emptyState, parseState, serializeState, type EvidenceState } from "./evidence-state.js";
import type { FeedbackEntry } from "./feedback-entry.js";

/**
 * Everything the dashboard remembers, kept in its own issue body (hidden): the evidence
 * state, what became of each proposal, the heartbeat, and which issues still need info.
 * Small and bounded, so that one event updates it with a constant number of requests.
 */

export const ProposalRecordSchema = z.object({
  id: z.string(),
  status: z.enum(["open", "declined", "merged", "rejected"]),
  pr: z.int().positive().nullable(),
  /** Evidence weight when the PR was declined: it is proposed again only when this doubles. */
  weight_at_close: z.number().nonnegative().nullable(),
  /** Why a proposal is not opened (rejected) — shown on the dashboard. */
  reason: z.string().nullable(),
  issues: z.array(z.int().positive()),
  /** Digest of the PR body last written, so that unchanged evidence costs no request. */
  digest: z.string().nullable().default(null),
  updated_at: z.string(),
});
export type ProposalRecord = z.infer<typeof ProposalRecordSchema>;

const MetaSchema = z.object({
  v: z.literal(1),
  evidence: z.string(),
  proposals: z.array(ProposalRecordSchema),
  needs_info: z.array(z.int().positive()),
  heartbeat: z.object({ last_feedback: z.string().nullable(), last_proposal: z.string().nullable(), last_rebuild: z.string().nullable() }),
});

export interface DashboardState {
  evidence: EvidenceState;
  proposals: Record<string, ProposalRecord>;
  /** Feedback issues that currently carry `needs-info`. */
  needsInfo: number[];
  heartbeat: { last_feedback: string | null; last_proposal: string | null; last_rebuild: string | null };
}

/** At most this many proposal records and needs-info issues are remembered (oldest dropped). */
const MAX_RECORDS = 500;

export function emptyDashboardState(): DashboardState {
  return { evidence: emptyState(), proposals: {}, needsInfo: [], heartbeat: { last_feedback: null, last_proposal: null, last_rebuild: null } };
}

export function serializeDashboardState(s: DashboardState): string {
  const proposals = Object.values(s.proposals)
    .sort((a, b) => (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : a.id < b.id ? -1 : 1))
    .slice(0, MAX_RECORDS)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return JSON.stringify({ v: 1, evidence: serializeState(s.evidence), proposals, needs_info: s.needsInfo.slice(-MAX_RECORDS), heartbeat: s.heartbeat });
}

/** Reads the stored state; anything unreadable gives an empty state and `broken` (a rebuild is then due). */
export function parseDashboardState(text: string | undefined): { state: DashboardState; broken: boolean } {
  if (!text) return { state: emptyDashboardState(), broken: false };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { state: emptyDashboardState(), broken: true };
  }
  const meta = MetaSchema.safeParse(json);
  if (!meta.success) return { state: emptyDashboardState(), broken: true };
  const evidence = parseState(meta.data.evidence);
  return {
    state: {
      evidence: evidence.state,
      proposals: Object.fromEntries(meta.data.proposals.map((p) => [p.id, p])),
      needsInfo: meta.data.needs_info,
      heartbeat: meta.data.heartbeat,
    },
    broken: evidence.broken,
  };
}

/** The state after one issue's feedback changed (its entries replace its earlier ones). */
export function recordIssue(s: DashboardState, issue: number, entries: readonly FeedbackEntry[], needsInfo: boolean, at: string): DashboardState {
  const needs = new Set(s.needsInfo);
  if (needsInfo) needs.add(issue);
  else needs.delete(issue);
  const latest = entries.reduce<string | null>((acc, e) => (e.created_at && (!acc || e.created_at > acc) ? e.created_at : acc), s.heartbeat.last_feedback);
  return {
    ...s,
    evidence: applyIssue(s.evidence, issue, entries),
    needsInfo: [...needs].sort((a, b) => a - b),
    heartbeat: { ...s.heartbeat, last_feedback: latest ?? at },
  };
}

/** Proposals declined earlier come back only when their evidence has doubled since. */
export function mayPropose(s: DashboardState, id: string, weight: number): boolean {
  const r = s.proposals[id];
  if (!r) return true;
  if (r.status === "declined") return r.weight_at_close !== null && weight >= 2 * r.weight_at_close;
  return r.status !== "merged";
}
