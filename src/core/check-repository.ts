import type { Catalog, CatalogTool } from "./catalog.js";
import type { Config, GlobalLimits } from "./config-schema.js";
import { compareFindings, type Finding } from "./finding.js";
import { checkManifest, crossFileFindings, type CheckedManifest, type ManifestSource, typeOf } from "./manifest-check.js";
import type { Manifest } from "./manifest-schema.js";
import { buildPlan, buildPlanForJson, type Plan, type PlanForJson } from "./plan.js";
import type { Candidate } from "./provision.js";
import { isTargetFinding, targetFindings } from "./target-check.js";

/** Everything the check needs, already read from wherever it lives. */
export interface RepositoryInput {
  config: Config;
  manifests: readonly ManifestSource[];
  catalog?: Catalog;
  tokensOf?: (tool: CatalogTool) => number;
  /** Findings about the config and the catalog files themselves. */
  findings: readonly Finding[];
  /**
   * `checkManifest` of each of `manifests`, in order, when the reader already did it (on
   * several threads) under these limits and this catalog; ignored when they differ.
   */
  prechecked?: { limits: GlobalLimits; catalog?: Catalog; checked: readonly CheckedManifest[] };
}

export interface CheckResult {
  findings: Finding[];
  checked: CheckedManifest[];
  files: number;
  /**
   * The plan (no task ranking) the target rules were checked against; present when
   * `config.targets` is non-empty, so that callers reuse it instead of planning again.
   */
  plan?: Plan;
}

/**
 * Validates every manifest (rules 1–10) and the set as a whole; with `config.targets`,
 * also checks each apprentice's plan against those clients' hard rules.
 */
export function checkRepository(input: RepositoryInput): CheckResult {
  const ctx = input.catalog ? { limits: input.config.limits, catalog: input.catalog } : { limits: input.config.limits };
  const checked = reusablePrecheck(input) ?? input.manifests.map((m) => checkManifest(m, ctx));
  const findings = [...input.findings, ...checked.flatMap((c) => c.findings), ...crossFileFindings(checked)];
  const result: CheckResult = { findings, checked, files: input.manifests.length };
  if (input.config.targets.length > 0) {
    const plan = planRepository(input, result);
    const byType = new Map(plan.apprentices.map((a) => [a.apprentice_type, a]));
    for (const c of checked) {
      const type = typeOf(c);
      const a = type !== undefined ? byType.get(type) : undefined;
      if (a && a.file === c.file) for (const f of targetFindings(c, a, input.config.targets, input.catalog, input.config.limits)) findings.push(f);
    }
    result.plan = plan;
  }
  findings.sort(compareFindings);
  return result;
}

function reusablePrecheck(input: RepositoryInput): CheckedManifest[] | undefined {
  const pre = input.prechecked;
  if (!pre || pre.catalog !== input.catalog || pre.checked.length !== input.manifests.length) return undefined;
  const a = pre.limits;
  const b = input.config.limits;
  if (a.max_tools !== b.max_tools || a.safety_margin !== b.safety_margin || a.max_tokens !== b.max_tokens) return undefined;
  return [...pre.checked];
}

/**
 * The plan of every readable manifest; a manifest with errors is `invalid`. Target
 * findings do not count toward `invalid`: they are about a client, not the manifest's
 * validity. Without a task ranking, the plan the check already made is reused.
 */
export function planRepository(
  input: RepositoryInput,
  result: CheckResult,
  rank?: (candidates: readonly Candidate[], manifest: Manifest) => Candidate[],
): Plan {
  if (!rank && result.plan) return result.plan;
  const { byFile, opts } = planInputs(input, result, rank);
  return buildPlan(result.checked, byFile, opts);
}

/** planRepository (without a task) for a JSON writer only: see buildPlanForJson. */
export function planRepositoryForJson(input: RepositoryInput, result: CheckResult): PlanForJson {
  if (result.plan) return result.plan;
  const { byFile, opts } = planInputs(input, result, undefined);
  return buildPlanForJson(result.checked, byFile, opts);
}

function planInputs(input: RepositoryInput, result: CheckResult, rank: ((candidates: readonly Candidate[], manifest: Manifest) => Candidate[]) | undefined): { byFile: Map<string, Finding[]>; opts: Parameters<typeof buildPlan>[2] } {
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) {
    if (isTargetFinding(f)) continue;
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  const opts: Parameters<typeof buildPlan>[2] = { limits: input.config.limits };
  if (input.catalog) opts.catalog = input.catalog;
  if (input.tokensOf) opts.tokensOf = input.tokensOf;
  if (rank) opts.rank = rank;
  // Entries made by the checkers (only ever under these limits and catalog: see reusablePrecheck).
  else opts.reusePlanned = true;
  return { byFile, opts };
}
