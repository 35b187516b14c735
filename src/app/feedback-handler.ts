import type { FeedbackEntry } from "../core/feedback-entry.js";
import { parseFeedback } from "../core/feedback-parse.js";
import { isBotComment, OWNERS_MARKER, renderFeedbackReply, renderOwnersNotice, REPLY_MARKER, type EvidenceNote } from "../core/feedback-reply.js";
import { triageFeedback, type Triage, type TriagedEntry } from "../core/feedback-triage.js";
import { isManagedLabel, LABELS, type LabelStyle } from "../core/labels.js";
import type { BotPort, CommentInfo, IssueInfo } from "../github/bot-port.js";
import type { RepoContext } from "./repo-context.js";

/** Where the evidence of all issues lives (the dashboard, in part 2); injected. */
export interface EvidenceSink {
  /** Records this issue's entries (replacing its earlier ones) and says where things stand. */
  record(issue: IssueInfo, entries: readonly FeedbackEntry[], ctx: RepoContext): Promise<{ evidenceFor?: (t: TriagedEntry) => EvidenceNote | undefined; dashboardUrl?: string }>;
}

export interface FeedbackDeps {
  port: BotPort;
  /** Reads the repository at its default branch (config, manifests, catalog, templates, owners). */
  loadContext: () => Promise<RepoContext>;
  evidence?: EvidenceSink;
  log: { info(msg: string): void; warn(msg: string): void };
}

export type FeedbackOutcome = "ignored" | "no-feedback" | "handled";

/** True for comments the bot wrote itself: they never carry feedback. */
function isOwnComment(c: Pick<CommentInfo, "body" | "author_type">): boolean {
  return isBotComment(c, REPLY_MARKER) || isBotComment(c, OWNERS_MARKER) || (c.author_type === "Bot" && c.body.startsWith("<!-- apprentice-tools:"));
}

/** Every entry of an issue: its body and every comment but the bot's own. */
export function parseIssueFeedback(issue: IssueInfo, comments: readonly CommentInfo[], ctx: Pick<RepoContext, "templates">) {
  const typeLabel = issue.labels.find((l) => l.startsWith("apprentice:"))?.slice("apprentice:".length) ?? null;
  const common = { issueNumber: issue.number, state: issue.state, stateReason: issue.state_reason === "duplicate" ? "not_planned" : issue.state_reason, apprenticeType: typeLabel } as const;
  const body = parseFeedback(issue.body, { ...common, url: issue.html_url, author: issue.author, createdAt: issue.created_at, updatedAt: issue.updated_at, templates: ctx.templates });
  const result = { entries: [...body.entries], problems: [...body.problems], truncated: body.truncated };
  for (const c of comments) {
    if (isOwnComment(c) || result.entries.length >= 100) continue;
    const parsed = parseFeedback(c.body, { ...common, commentId: c.id, url: c.html_url, author: c.author, apprenticeType: body.entries[0]?.apprentice_type ?? typeLabel });
    const offset = result.entries.length;
    result.entries.push(...parsed.entries);
    result.problems.push(...parsed.problems.map((p) => ({ ...p, entry: p.entry === null ? null : p.entry + offset })));
    result.truncated ||= parsed.truncated;
  }
  if (result.entries.length > 100) {
    result.entries.length = 100;
    result.truncated = true;
  }
  return result;
}

/**
 * Handles a feedback issue or comment event: labels, one reply (updated on edits),
 * owners pulled in once for critical feedback. Idempotent: replaying an event changes nothing.
 */
export async function handleFeedback(deps: FeedbackDeps, issueNumber: number): Promise<FeedbackOutcome> {
  const { port } = deps;
  // Read the issue fresh: a webhook payload may be older than the issue (edits, redeliveries).
  const issue = await port.getIssue(issueNumber);
  if (issue.is_pull_request || issue.labels.includes(LABELS.dashboard.name) || issue.labels.includes(LABELS.suggestion.name)) return "ignored";
  const comments = await port.listComments(issueNumber);
  const reply = comments.find((c) => isBotComment(c, REPLY_MARKER));
  const ctx = await deps.loadContext();
  const parsed = parseIssueFeedback(issue, comments, ctx);
  if (parsed.entries.length === 0 && parsed.problems.length === 0 && !reply) return "no-feedback";

  const triage = triageFeedback(parsed, { manifests: ctx.manifests, ...(ctx.catalog ? { catalog: ctx.catalog } : {}), fallback: ctx.config.fallback });
  await syncLabels(port, issue, triage.labels);
  const counted = triage.entries.filter((t) => t.verdict === "accepted").map((t) => t.entry);
  const evidence = deps.evidence ? await deps.evidence.record(issue, counted, ctx) : {};
  const body = renderFeedbackReply(triage, {
    knownTypes: [...ctx.manifests.keys()],
    ownersOf: (type) => ctx.owners(type),
    patternPlace: (type, pattern) => ctx.patternPlace(type, pattern),
    ...evidence,
  });
  if (!reply) await port.createComment(issueNumber, body);
  else if (reply.body !== body) await port.updateComment(reply.id, body);
  await notifyOwnersOnce(port, issueNumber, triage, comments, ctx);
  return "handled";
}

/** Adds the labels that are missing and removes managed labels an edit made wrong. */
async function syncLabels(port: BotPort, issue: IssueInfo, wanted: readonly LabelStyle[]): Promise<void> {
  const have = new Set(issue.labels);
  const want = new Set(wanted.map((l) => l.name));
  const toAdd = wanted.filter((l) => !have.has(l.name));
  const toRemove = issue.labels.filter((l) => isManagedLabel(l) && !want.has(l));
  if (toAdd.length) {
    const now = await port.addLabels(issue.number, toAdd.map((l) => l.name));
    // GitHub creates a missing label bare (grey, no description): give it its colour once.
    for (const l of toAdd) {
      const got = now.find((n) => n.name.toLowerCase() === l.name.toLowerCase());
      if (got && got.color.toLowerCase() === "ededed" && !got.description) await port.styleLabel(l);
    }
  }
  for (const name of toRemove) await port.removeLabel(issue.number, name);
}

async function notifyOwnersOnce(port: BotPort, issueNumber: number, triage: Triage, comments: readonly CommentInfo[], ctx: RepoContext): Promise<void> {
  if (!triage.critical || comments.some((c) => isBotComment(c, OWNERS_MARKER))) return;
  const owners = new Map(triage.criticalTypes.map((t) => [t, ctx.owners(t)]));
  const notice = renderOwnersNotice(triage, owners);
  if (notice) await port.createComment(issueNumber, notice);
}
