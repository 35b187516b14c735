import type { Catalog, CatalogTool } from "./catalog.js";
import type { Config } from "./config-schema.js";
import { compareFindings, type Finding } from "./finding.js";
import { checkManifest, crossFileFindings, type CheckedManifest, type ManifestSource } from "./manifest-check.js";
import type { Manifest } from "./manifest-schema.js";
import { buildPlan, type Plan } from "./plan.js";
import type { Candidate } from "./provision.js";

/** Everything the check needs, already read from wherever it lives. */
export interface RepositoryInput {
  config: Config;
  manifests: readonly ManifestSource[];
  catalog?: Catalog;
  tokensOf?: (tool: CatalogTool) => number;
  /** Findings about the config and the catalog files themselves. */
  findings: readonly Finding[];
}

export interface CheckResult {
  findings: Finding[];
  checked: CheckedManifest[];
  files: number;
}

/** Validates every manifest (rules 1–10) and the set as a whole. */
export function checkRepository(input: RepositoryInput): CheckResult {
  const ctx = input.catalog ? { limits: input.config.limits, catalog: input.catalog } : { limits: input.config.limits };
  const checked = input.manifests.map((m) => checkManifest(m, ctx));
  const findings = [...input.findings, ...checked.flatMap((c) => c.findings), ...crossFileFindings(checked)];
  findings.sort(compareFindings);
  return { findings, checked, files: input.manifests.length };
}

/** The plan of every readable manifest; a manifest with errors is `invalid`. */
export function planRepository(
  input: RepositoryInput,
  result: CheckResult,
  rank?: (candidates: readonly Candidate[], manifest: Manifest) => Candidate[],
): Plan {
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = byFile.get(f.file);
    if (list) list.push(f);
    else byFile.set(f.file, [f]);
  }
  const opts: Parameters<typeof buildPlan>[2] = { limits: input.config.limits };
  if (input.catalog) opts.catalog = input.catalog;
  if (input.tokensOf) opts.tokensOf = input.tokensOf;
  if (rank) opts.rank = rank;
  return buildPlan(result.checked, byFile, opts);
}
