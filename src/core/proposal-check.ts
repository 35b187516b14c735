import type { Catalog, CatalogTool } from "./catalog.js";
import type { GlobalLimits } from "./config-schema.js";
import type { Finding } from "./finding.js";
import { checkManifest, type CheckedManifest, type ManifestSource } from "./manifest-check.js";
import { applyProposal } from "./manifest-edit.js";
import { describeExclusion, diffContextOf, diffPlans, planApprentice, type ApprenticeDiff, type ApprenticePlan, type PlanOptions } from "./plan.js";
import type { Proposal } from "./suggest.js";

/**
 * A proposal is only opened when the patched manifest still passes the core rules
 * and the new plan gives what the proposal says: re-validated and re-planned here.
 */

export interface ProposalCheckContext {
  /** The manifest file's path (for findings) and its current text. */
  file: string;
  text: string;
  /** Parses manifest text into a source (in the shells: `manifestSourceFromBytes` / `parseYamlSource`). */
  toSource: (file: string, text: string) => ManifestSource;
  limits: GlobalLimits;
  catalog?: Catalog;
  tokensOf?: (tool: CatalogTool) => number;
}

export interface CheckedProposal {
  proposal: Proposal;
  /** The manifest text with the proposal applied (the original text when it could not be applied). */
  patchedText: string;
  /** What the proposal changes in this apprentice's plan; undefined when it could not be planned. */
  diff?: ApprenticeDiff;
  accepted: boolean;
  rejectedWhy?: string;
  /** Findings the patched manifest has that the current one does not (warnings a reviewer should see). */
  newFindings: Finding[];
}

const findingKey = (f: Finding): string => `${f.code}\u0000${f.message}`;

function planOf(checked: CheckedManifest, ctx: ProposalCheckContext): ApprenticePlan | undefined {
  if (!checked.manifest) return undefined;
  const opts: PlanOptions = { limits: ctx.limits };
  if (ctx.catalog) opts.catalog = ctx.catalog;
  if (ctx.tokensOf) opts.tokensOf = ctx.tokensOf;
  return planApprentice(checked.manifest, checked.file, checked.findings, opts);
}

/**
 * Applies the proposal to the manifest text, checks the result with the core rules,
 * re-plans it, and rejects it (with the reason) when the manifest would become
 * invalid, a limit would be exceeded, or the plan would not change as proposed.
 */
export function checkProposal(proposal: Proposal, ctx: ProposalCheckContext): CheckedProposal {
  const reject = (rejectedWhy: string, rest: Partial<CheckedProposal> = {}): CheckedProposal => ({ proposal, patchedText: ctx.text, newFindings: [], ...rest, accepted: false, rejectedWhy });
  const edited = applyProposal(ctx.text, proposal);
  if (!edited.ok) return reject(`The change cannot be written into ${ctx.file}: ${edited.reason}.`);
  const checkCtx = ctx.catalog ? { limits: ctx.limits, catalog: ctx.catalog } : { limits: ctx.limits };
  const before = checkManifest(ctx.toSource(ctx.file, ctx.text), checkCtx);
  const after = checkManifest(ctx.toSource(ctx.file, edited.text), checkCtx);
  const known = new Set(before.findings.map(findingKey));
  const newFindings = after.findings.filter((f) => !known.has(findingKey(f)));
  const patched = { patchedText: edited.text, newFindings };

  const newError = newFindings.find((f) => f.severity === "error");
  if (newError) return reject(`The change would make ${ctx.file} invalid: ${newError.message}`, patched);
  const basePlan = planOf(before, ctx);
  const headPlan = planOf(after, ctx);
  if (!basePlan || !headPlan) return reject(`${ctx.file} cannot be planned.`, patched);
  if (headPlan.status === "invalid") {
    const first = after.findings.find((f) => f.severity === "error");
    return reject(`${ctx.file} already has errors${first ? ` (${first.message})` : ""}; fix them before it can be changed.`, patched);
  }
  const limits = { max_tools: ctx.limits.max_tools, safety_margin: ctx.limits.safety_margin, max_tokens: ctx.limits.max_tokens };
  const diff = diffPlans({ limits, apprentices: [basePlan] }, { limits, apprentices: [headPlan] }, diffContextOf([after], ctx.catalog)).apprentices[0];
  if (!diff) return reject(`${ctx.file} cannot be planned.`, patched);
  const withDiff = { ...patched, diff };

  const incoming = proposal.change === "add" ? proposal.tool : proposal.change === "replace" ? proposal.replacement : undefined;
  if (incoming !== undefined && !headPlan.tools.includes(incoming)) {
    const exclusion = headPlan.excluded.find((e) => e.tool === incoming);
    if (exclusion?.reason === "over_limit") {
      return reject(`\`${incoming}\` would not fit: ${headPlan.apprentice_type} already uses ${headPlan.capacity.used} of ${headPlan.capacity.available} tool slots, so it would be excluded as over the limit.`, withDiff);
    }
    if (exclusion?.reason === "over_token_budget") return reject(`\`${incoming}\` would exceed ${headPlan.apprentice_type}'s token budget (${headPlan.max_tokens ?? "?"} tokens).`, withDiff);
    return reject(`\`${incoming}\` would still not be given to ${headPlan.apprentice_type} (${describeExclusion(exclusion)}).`, withDiff);
  }
  return { proposal, ...withDiff, accepted: true };
}
