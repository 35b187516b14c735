import type { Evidence } from "../core/aggregate.js";
import type { DashboardState, ProposalRecord } from "../core/dashboard-state.js";
import { mayPropose } from "../core/dashboard-state.js";
import { LABELS, stableHash } from "../core/labels.js";
import { checkProposal } from "../core/proposal-check.js";
import { proposalBranch, proposalTitle, renderProposalBody } from "../core/proposal-body.js";
import type { Proposal, Suggestions } from "../core/suggest.js";
import type { BotPort } from "../github/bot-port.js";
import { manifestSourceFromBytes } from "../io/repository.js";
import { labelOnce, type DashboardDeps } from "./dashboard.js";
import type { RepoContext } from "./repo-context.js";

const encoder = new TextEncoder();

/**
 * Opens a pull request for each proposal the evidence supports (one branch, one commit,
 * one PR), updates the body of one already open, and remembers proposals that cannot be
 * opened and why. Never pushes to the default branch. Returns the new state (the same
 * object when nothing changed).
 */
export async function syncProposals(deps: DashboardDeps, ctx: RepoContext, suggestions: Suggestions, state: DashboardState, _evidence: Evidence): Promise<DashboardState> {
  let next = state;
  const now = deps.now().toISOString();
  const put = (record: ProposalRecord) => {
    next = { ...next, proposals: { ...next.proposals, [record.id]: record } };
  };
  for (const p of suggestions.proposals) {
    if (!mayPropose(next, p.id, p.evidence.weight)) continue;
    const file = ctx.files.get(p.apprentice_type);
    const text = file ? await ctx.text(file) : undefined;
    if (!file || text === undefined) continue;
    const checked = checkProposal(p, {
      file,
      text,
      toSource: (f, t) => manifestSourceFromBytes(f, encoder.encode(t)),
      limits: ctx.config.limits,
      ...(ctx.catalog ? { catalog: ctx.catalog } : {}),
      ...(ctx.repository.loaded.tokensOf ? { tokensOf: ctx.repository.loaded.tokensOf } : {}),
    });
    const prior = next.proposals[p.id];
    if (!checked.accepted) {
      const reason = checked.rejectedWhy ?? "it would not pass the check";
      if (prior?.status !== "rejected" || prior.reason !== reason) put({ id: p.id, status: "rejected", pr: null, weight_at_close: null, reason, issues: p.evidence.issues, digest: null, updated_at: now });
      continue;
    }
    const body = renderProposalBody(p, file, checked.diff);
    // What the evidence is, not what it weighs today: weights fade every day, and fading alone is no news for a reviewer.
    const digest = stableHash(JSON.stringify([p.evidence.issues, p.evidence.reporters, p.evidence.count, p.evidence.usage?.sessions_provided ?? null, p.evidence.usage?.calls ?? null, checked.patchedText]));
    try {
      if (prior?.status === "open" && prior.pr) {
        if (prior.digest !== digest) {
          await deps.port.updatePull(prior.pr, { body });
          put({ ...prior, digest, issues: p.evidence.issues, updated_at: now });
        }
        continue;
      }
      // Without a record (a lost state, or no dashboard), a closed PR of the same branch is the memory of the decision.
      const opened = await openProposal(deps.port, ctx, p, file, checked.patchedText, body, prior?.status !== "declined");
      if (opened.status === "open") next = { ...next, heartbeat: { ...next.heartbeat, last_proposal: now } };
      put({ id: p.id, status: opened.status, pr: opened.pr, weight_at_close: opened.status === "declined" ? p.evidence.weight : (prior?.weight_at_close ?? null), reason: null, issues: p.evidence.issues, digest, updated_at: now });
    } catch (err) {
      // A GitHub failure: the other proposals, the dashboard and the reporter's reply still go ahead, and the next event tries again. A bug is not swallowed.
      if (!(typeof err === "object" && err !== null && "status" in err)) throw err;
      deps.log.warn(`could not open or update the pull request for ${p.id}: ${String(err)}; it is tried again on the next feedback event`);
    }
  }
  return next;
}

/**
 * Branch, commit, pull request: in that order, and undone when a later step fails, so
 * that no branch is left without its PR. A PR already open for the branch is reused; with
 * `closedDecides`, a closed one is the decision (merged or declined) and nothing is opened.
 */
async function openProposal(port: BotPort, ctx: RepoContext, p: Proposal, file: string, text: string, body: string, closedDecides: boolean): Promise<{ status: "open" | "merged" | "declined"; pr: number }> {
  const branch = proposalBranch(p);
  const pulls = await port.pullsForHead(branch, "all");
  const open = pulls.find((x) => x.state === "open");
  if (open) {
    await port.updatePull(open.number, { body });
    if (!open.labels.includes(LABELS.suggestion.name)) await labelOnce(port, open.number, LABELS.suggestion);
    return { status: "open", pr: open.number };
  }
  const closed = closedDecides ? pulls[0] : undefined;
  if (closed) return { status: closed.merged ? "merged" : "declined", pr: closed.number };
  const base = await port.branchSha(ctx.branch);
  if (!base) throw new Error(`the default branch ${ctx.branch} has no commit to branch from`);
  // A branch left by a declined proposal is started afresh from the default branch; but a
  // branch another run has just opened a PR from is that run's proposal: reuse its PR.
  if ((await port.createBranch(branch, base)) === "exists") {
    const raced = (await port.pullsForHead(branch, "open"))[0];
    if (raced) {
      await port.updatePull(raced.number, { body });
      return { status: "open", pr: raced.number };
    }
    await port.deleteBranch(branch);
    await port.createBranch(branch, base);
  }
  let pr: number;
  try {
    const sha = await port.fileSha(branch, file);
    await port.putFile(branch, file, text, `${proposalTitle(p)}\n\nProposed by apprentice-tools from feedback: ${p.evidence.issues.map((n) => `#${n}`).join(", ")}`, sha);
    pr = (await port.createPull({ title: proposalTitle(p), body, head: branch, base: ctx.branch })).number;
  } catch (err) {
    await port.deleteBranch(branch).catch(() => undefined);
    throw err;
  }
  // Outside the rollback: deleting the branch now would close the PR. A missing label is added when the PR is next reused.
  await labelOnce(port, pr, LABELS.suggestion);
  return { status: "open", pr };
}
