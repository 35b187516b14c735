import type { FeedbackEntry } from "../core/feedback-entry.js";
import { parseFeedback } from "../core/feedback-parse.js";
import { isBotComment, labelsInReply, OWNERS_MARKER, renderFeedbackReply, renderOwnersNotice, REPLY_MARKER, type EvidenceNote } from "../core/feedback-reply.js";
import { mayCarryFeedback, triageFeedback, type Triage, type TriagedEntry } from "../core/feedback-triage.js";
import { apprenticeLabel, isManagedLabel, LABELS, type LabelStyle } from "../core/labels.js";
import type { BotPort, CommentInfo, IssueInfo } from "../github/bot-port.js";
import type { RepoContext } from "./repo-context.js";

/** Where the evidence of all issues lives (the dashboard, in part 2); injected. */
export interface EvidenceSink {
  /** Records this issue's entries (replacing its earlier ones) and says where things stand. */
  record(issue: IssueInfo, entries: readonly FeedbackEntry[], ctx: RepoContext, needsInfo: boolean): Promise<{ evidenceFor?: (t: TriagedEntry) => EvidenceNote | undefined; dashboardUrl?: string }>;
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
export function isOwnComment(c: Pick<CommentInfo, "body" | "author_type">): boolean {
  return isBotComment(c, REPLY_MARKER) || isBotComment(c, OWNERS_MARKER) || (c.author_type === "Bot" && c.body.startsWith("<!-- apprentice-tools:"));
}

/**
 * The apprentice type an `apprentice:<type>` label names. A long type's label is shortened
 * with a hash, so it is matched against the known types rather than read back.
 */
function typeFromLabels(labels: readonly string[], knownTypes: Iterable<string>): string | null {
  const label = labels.find((l) => l.toLowerCase().startsWith("apprentice:"));
  if (!label) return null;
  for (const type of knownTypes) if (apprenticeLabel(type).name.toLowerCase() === label.toLowerCase()) return type;
  return label.slice("apprentice:".length);
}

/** Every entry of an issue: its body and every comment but the bot's own. */
export function parseIssueFeedback(issue: IssueInfo, comments: readonly CommentInfo[], ctx: Pick<RepoContext, "forms" | "manifests">) {
  const typeLabel = typeFromLabels(issue.labels, ctx.manifests.keys());
  const common = { issueNumber: issue.number, state: issue.state, stateReason: issue.state_reason === "duplicate" ? "not_planned" : issue.state_reason, apprenticeType: typeLabel } as const;
  const body = parseFeedback(issue.body, { ...common, url: issue.html_url, author: issue.author, createdAt: issue.created_at, updatedAt: issue.updated_at, forms: ctx.forms });
  const result = { entries: [...body.entries], problems: [...body.problems], truncated: body.truncated };
  for (const c of comments) {
    if (isOwnComment(c) || result.entries.length >= 100) continue;
    const parsed = parseFeedback(c.body, { ...common, commentId: c.id, url: c.html_url, author: c.author, createdAt: c.created_at, updatedAt: c.updated_at, apprenticeType: body.entries[0]?.apprentice_type ?? typeLabel });
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
  const comments = issue.comments > 0 ? await port.listComments(issueNumber) : [];
  const reply = comments.find((c) => isBotComment(c, REPLY_MARKER));
  const theirs = comments.filter((c) => !isOwnComment(c));
  // Ordinary issues are left alone without even reading the repository.
  if (!reply && !mayCarryFeedback([issue.body, ...theirs.map((c) => c.body)], issue.labels)) return "no-feedback";
  const ctx = await deps.loadContext();
  const parsed = parseIssueFeedback(issue, theirs, ctx);
  if (parsed.entries.length === 0 && !reply) {
    // Template trouble alone is the maintainers' to fix; an issue that came from a form still gets told why it was not read.
    for (const p of parsed.problems) deps.log.warn(`issue #${issueNumber}: ${p.message}`);
    if (parsed.problems.length === 0 || !issue.labels.includes(LABELS.feedback.name)) return "no-feedback";
  }

  const triage = triageFeedback(parsed, { manifests: ctx.manifests, ...(ctx.catalog ? { catalog: ctx.catalog } : {}), fallback: ctx.config.fallback });
  await syncLabels(port, issue, triage.labels, reply ? (labelsInReply(reply.body) ?? []) : []);
  const counted = triage.entries.filter((t) => t.verdict === "accepted").map((t) => t.entry);
  const evidence = deps.evidence ? await deps.evidence.record(issue, counted, ctx, triage.needsInfo) : {};
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

/**
 * Adds the labels that are missing and removes those the bot applied earlier that an edit
 * made wrong; a label someone else put on the issue is never removed. GitHub compares
 * label names without regard to case, and so does this.
 */
async function syncLabels(port: BotPort, issue: IssueInfo, wanted: readonly LabelStyle[], appliedBefore: readonly string[]): Promise<void> {
  const key = (name: string) => name.toLowerCase();
  const have = new Set(issue.labels.map(key));
  const want = new Set(wanted.map((l) => key(l.name)));
  const mine = new Set(appliedBefore.map(key));
  const toAdd = wanted.filter((l) => !have.has(key(l.name)));
  const toRemove = issue.labels.filter((l) => mine.has(key(l)) && !want.has(key(l)) && isManagedLabel(l));
  if (toAdd.length) {
    const now = await port.addLabels(issue.number, toAdd.map((l) => l.name));
    // GitHub creates a missing label bare (grey, no description): give it its colour once.
    for (const l of toAdd) {
      const got = now.find((n) => key(n.name) === key(l.name));
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
