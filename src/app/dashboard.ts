import { evidenceFor, rebuild, summarize, type Evidence } from "../core/aggregate.js";
import { DASHBOARD_MARKER, DASHBOARD_TITLE, extractStateBlob, renderDashboardWithin } from "../core/dashboard-render.js";
import { emptyDashboardState, parseDashboardState, recordIssue, serializeDashboardState, type DashboardState } from "../core/dashboard-state.js";
import type { FeedbackEntry } from "../core/feedback-entry.js";
import type { EvidenceNote } from "../core/feedback-reply.js";
import { triageFeedback, type TriagedEntry } from "../core/feedback-triage.js";
import { LABELS } from "../core/labels.js";
import { proposalBranchOfId, renderThanks } from "../core/proposal-body.js";
import { suggest, type Suggestions } from "../core/suggest.js";
import type { BotPort, CommentInfo, IssueInfo } from "../github/bot-port.js";
import { parseIssueFeedback, type EvidenceSink } from "./feedback-handler.js";
import { syncProposals } from "./proposals.js";
import type { RepoContext } from "./repo-context.js";
import { decodeState, encodeState } from "./state-codec.js";

export interface DashboardDeps {
  port: BotPort;
  now: () => Date;
  log: { info(msg: string): void; warn(msg: string): void };
}

/** Adds a label, giving it colour and description only when GitHub had to create it bare. */
export async function labelOnce(port: BotPort, issue: number, label: { name: string; color: string; description: string }): Promise<void> {
  const now = await port.addLabels(issue, [label.name]);
  const got = now.find((l) => l.name.toLowerCase() === label.name.toLowerCase());
  if (got && got.color.toLowerCase() === "ededed" && !got.description) await port.styleLabel(label);
}

/** The dashboard issue: the oldest issue with the label and the marker, open or closed. */
export async function findDashboard(port: BotPort): Promise<IssueInfo | undefined> {
  const found = await port.issuesWithLabel(LABELS.dashboard.name, "all");
  return found.filter((i) => i.body.startsWith(DASHBOARD_MARKER)).sort((a, b) => a.number - b.number)[0];
}

export function readDashboardState(issue: IssueInfo | undefined): { state: DashboardState; broken: boolean } {
  if (!issue) return { state: emptyDashboardState(), broken: false };
  const json = decodeState(extractStateBlob(issue.body));
  if (json === undefined) return { state: emptyDashboardState(), broken: true };
  return parseDashboardState(json);
}

/** Evidence of the current state, and what the rules would propose from it. */
async function weigh(ctx: RepoContext, state: DashboardState, now: Date): Promise<{ evidence: Evidence; suggestions: Suggestions }> {
  const evidence = summarize(state.evidence, now, ctx.config.feedback, await ctx.usage());
  const suggestions = suggest(evidence, [...ctx.manifests.values()], { thresholds: ctx.config.feedback.thresholds, ...(ctx.catalog ? { catalog: ctx.catalog } : {}) });
  return { evidence, suggestions };
}

/**
 * Opens or updates proposals, then writes the dashboard (creating it on first need,
 * reopening it when closed by hand unless the config turns it off). Returns its URL.
 */
async function publish(deps: DashboardDeps, ctx: RepoContext, dashboard: IssueInfo | undefined, state: DashboardState): Promise<{ url?: string; evidence: Evidence; state: DashboardState }> {
  const now = deps.now();
  let { evidence, suggestions } = await weigh(ctx, state, now);
  const synced = await syncProposals(deps, ctx, suggestions, state, evidence);
  if (synced !== state) {
    state = synced;
    ({ evidence, suggestions } = await weigh(ctx, state, now));
  }
  if (!ctx.config.feedback.dashboard) return { evidence, state };
  const plan = ctx.repository.plan();
  const fitted = renderDashboardWithin({ evidence, state, thresholds: ctx.config.feedback.thresholds, proposals: suggestions.proposals, blocked: suggestions.blocked, plan }, (s) => encodeState(serializeDashboardState(s)));
  if (fitted.dropped > 0) deps.log.warn(`the dashboard keeps the most recent feedback only: ${fitted.dropped} older entries left out to stay within GitHub's size limit for an issue`);
  const body = fitted.body;
  state = fitted.state;
  if (!dashboard) {
    const created = await deps.port.createIssue(DASHBOARD_TITLE, body, []);
    await labelOnce(deps.port, created.number, LABELS.dashboard);
    return { url: created.html_url, evidence, state };
  }
  if (dashboard.body !== body || dashboard.state === "closed") {
    await deps.port.updateIssue(dashboard.number, { body, ...(dashboard.state === "closed" ? { state: "open" as const } : {}) });
  }
  return { url: dashboard.html_url, evidence, state };
}

function noteFor(evidence: Evidence, ctx: RepoContext) {
  const t = ctx.config.feedback.thresholds;
  return (e: TriagedEntry): EvidenceNote | undefined => {
    const type = e.entry.apprentice_type;
    if (!type) return undefined;
    const key = evidenceFor(evidence, type, e.entry.tool);
    if (!key) return undefined;
    if (e.entry.kind === "missing-tool") return { weight: key.missing.weight, issues: key.missing.issues.length, threshold: t.add };
    if (e.entry.kind === "tool-suggestion") {
      const r = key.replacements.find((x) => x.to === e.entry.suggested_tool);
      return r ? { weight: r.weight, issues: r.issues.length, threshold: t.replace } : undefined;
    }
    return undefined;
  };
}

/** The dashboard as the bot's evidence sink: one issue's change costs a constant number of requests. */
export function dashboardSink(deps: DashboardDeps): EvidenceSink {
  return {
    async record(issue, entries, ctx, needsInfo) {
      const dashboard = await findDashboard(deps.port);
      const read = readDashboardState(dashboard);
      let state: DashboardState;
      if (read.broken) {
        deps.log.warn("the dashboard's hidden state could not be read; rebuilding it from every feedback issue");
        state = await rebuildState(deps, ctx, read.state);
      } else if (!dashboard && ctx.config.feedback.dashboard) {
        // The first dashboard starts from every feedback issue so far, not from this one alone.
        state = await rebuildState(deps, ctx, read.state);
      } else {
        state = recordIssue(read.state, issue.number, entries, needsInfo, deps.now().toISOString());
      }
      const out = await publish(deps, ctx, dashboard, state);
      return { evidenceFor: noteFor(out.evidence, ctx), ...(out.url ? { dashboardUrl: out.url } : {}) };
    },
  };
}

/** The evidence from every labelled feedback issue and every comment: list pages plus a constant. */
async function rebuildState(deps: DashboardDeps, ctx: RepoContext, previous: DashboardState): Promise<DashboardState> {
  const issues = (await deps.port.issuesWithLabel(LABELS.feedback.name, "all")).filter((i) => !i.labels.includes(LABELS.dashboard.name) && !i.labels.includes(LABELS.suggestion.name));
  const byIssue = await commentsOfFeedbackIssues(deps.port, issues);
  const all: FeedbackEntry[] = [];
  const needsInfo: number[] = [];
  let last: string | null = null;
  for (const issue of issues) {
    const parsed = parseIssueFeedback(issue, byIssue.get(issue.number) ?? [], ctx);
    const triage = triageFeedback(parsed, { manifests: ctx.manifests, ...(ctx.catalog ? { catalog: ctx.catalog } : {}), fallback: ctx.config.fallback });
    for (const t of triage.entries) {
      if (t.verdict !== "accepted") continue;
      all.push(t.entry);
      if (t.entry.created_at && (!last || t.entry.created_at > last)) last = t.entry.created_at;
    }
    if (triage.needsInfo) needsInfo.push(issue.number);
  }
  return {
    ...previous,
    evidence: rebuild(all),
    needsInfo: needsInfo.sort((a, b) => a - b),
    heartbeat: { ...previous.heartbeat, last_feedback: last ?? previous.heartbeat.last_feedback, last_rebuild: deps.now().toISOString() },
  };
}

/**
 * The comments that may carry feedback, read the cheaper way. An issue the bot handled has
 * its labels and one reply; only issues with more comments than that (or not handled yet)
 * can hold feedback in comments. They are listed one by one when they are few, else all
 * the repository's comments are listed page by page.
 */
async function commentsOfFeedbackIssues(port: BotPort, issues: readonly IssueInfo[]): Promise<Map<number, CommentInfo[]>> {
  const handled = (i: IssueInfo) => i.labels.some((l) => l.startsWith("feedback:") || l === LABELS.needsInfo.name);
  const discussed = issues.filter((i) => i.comments > 1 || (i.comments === 1 && !handled(i)));
  const byIssue = new Map<number, CommentInfo[]>();
  const repoPages = Math.ceil(issues.reduce((n, i) => n + i.comments, 0) / 100);
  if (discussed.length <= repoPages) {
    for (const i of discussed) byIssue.set(i.number, await port.listComments(i.number));
    return byIssue;
  }
  for (const c of await port.listRepoComments()) {
    const list = byIssue.get(c.issue);
    if (list) list.push(c);
    else byIssue.set(c.issue, [c]);
  }
  return byIssue;
}

/** A full rebuild (schedule, workflow_dispatch, the dashboard's checkbox, or unreadable state). */
export async function rebuildDashboard(deps: DashboardDeps, ctx: RepoContext): Promise<string | undefined> {
  const dashboard = await findDashboard(deps.port);
  const state = await reconcileProposals(deps, await rebuildState(deps, ctx, readDashboardState(dashboard).state));
  return (await publish(deps, ctx, dashboard, state)).url;
}

/**
 * Proposals recorded as open whose PR has since been merged or closed (a decision a
 * concurrent run may have overwritten): the rebuild takes the decision from the PR itself.
 * One request per open proposal.
 */
async function reconcileProposals(deps: DashboardDeps, state: DashboardState): Promise<DashboardState> {
  let next = state;
  for (const record of Object.values(state.proposals)) {
    if (record.status !== "open" || record.pr === null) continue;
    const pr = await deps.port.getIssue(record.pr).catch(() => undefined);
    if (!pr || pr.state === "open") continue;
    const pulls = await deps.port.pullsForHead(proposalBranchOfId(record.id), "closed");
    const merged = pulls.find((x) => x.number === record.pr)?.merged ?? false;
    next = { ...next, proposals: { ...next.proposals, [record.id]: { ...record, status: merged ? "merged" : "declined", updated_at: deps.now().toISOString() } } };
  }
  return next;
}

/**
 * The evidence weight of a proposal now, measured as the rule that made it measures it, and
 * never below its threshold: a declined proposal then comes back only on twice the evidence
 * that was enough to make it.
 */
export async function weightNow(ctx: RepoContext, state: DashboardState, id: string, now: Date): Promise<number> {
  const { evidence, suggestions } = await weigh(ctx, state, now);
  const t = ctx.config.feedback.thresholds;
  const proposed = suggestions.proposals.find((p) => p.id === id);
  if (proposed) return Math.max(proposed.evidence.weight, proposed.evidence.threshold);
  const slash = id.indexOf("/");
  const [type, change] = [id.slice(0, slash), id.slice(slash + 1)];
  const tool = change.slice(change.indexOf("-") + 1);
  const key = evidenceFor(evidence, type, tool);
  if (change.startsWith("add-")) return Math.max(key?.missing.weight ?? 0, t.add);
  if (change.startsWith("replace-")) return Math.max(key?.replacements[0]?.weight ?? 0, t.replace);
  return Math.max(key?.usage?.sessions_provided_weight ?? 0, t.remove_unused);
}

/** After a proposal's PR closes: remember the decision, thank and close the issues of a merged one. */
export async function proposalClosed(deps: DashboardDeps, ctx: RepoContext, pr: { number: number; merged: boolean }): Promise<boolean> {
  const dashboard = await findDashboard(deps.port);
  const { state } = readDashboardState(dashboard);
  const record = Object.values(state.proposals).find((r) => r.pr === pr.number);
  if (!record || record.status !== "open") return false;
  const now = deps.now().toISOString();
  let next: DashboardState;
  if (pr.merged) {
    next = { ...state, proposals: { ...state.proposals, [record.id]: { ...record, status: "merged", updated_at: now } } };
  } else {
    next = { ...state, proposals: { ...state.proposals, [record.id]: { ...record, status: "declined", weight_at_close: await weightNow(ctx, state, record.id, deps.now()), updated_at: now } } };
  }
  // The decision is written first: a failure while thanking must not lose it (a redelivery would not repeat it).
  await publish(deps, ctx, dashboard, next);
  if (pr.merged) {
    for (const n of record.issues) {
      await deps.port.createComment(n, renderThanks(pr.number, { id: record.id, apprentice_type: record.id.slice(0, record.id.indexOf("/")) }));
      await deps.port.updateIssue(n, { state: "closed", state_reason: "completed" });
    }
  }
  return true;
}
