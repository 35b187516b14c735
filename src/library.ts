import { typeOf } from "./core/manifest-check.js";
import { checkRepository, planRepository, type CheckResult } from "./core/check-repository.js";
import { didYouMean } from "./core/did-you-mean.js";
import type { Manifest } from "./core/manifest-schema.js";
import { planApprentice, type ApprenticePlan, type Plan } from "./core/plan.js";
import { rankByTask } from "./core/rank.js";
import { isTargetFinding } from "./core/target-check.js";
import { workingTree, type FileSource } from "./io/file-source.js";
import { loadRepository as loadFrom, type LoadedRepository, type Overrides } from "./io/repository.js";

/** A repository of manifests, read and checked once, ready to provision from. */
export interface Repository {
  /** What was read: configuration, manifest sources, catalog. */
  loaded: LoadedRepository;
  /** Every finding of the check. */
  check: CheckResult;
  /** The apprentice types that have a readable manifest. */
  types(): string[];
  /** The manifest of one type (or undefined). */
  manifest(type: string): Manifest | undefined;
  /** The plan of every apprentice, optionally ranked for a task. */
  plan(options?: { task?: string }): Plan;
}

/** Thrown by {@link provision} when no manifest (and no fallback) exists for a type. */
export class UnknownApprenticeError extends Error {
  constructor(
    readonly type: string,
    readonly known: readonly string[],
  ) {
    const guess = didYouMean(type, known);
    super(`No manifest for apprentice type "${type}".${guess ? ` Did you mean "${guess}"?` : ""} Known types: ${known.join(", ") || "none"}. Add manifests/${type}.yaml, or set \`fallback:\` in apprentice-tools.yml.`);
    this.name = "UnknownApprenticeError";
  }
}

/**
 * Reads a repository's configuration, manifests and catalog.
 *
 * @param root - the repository root (default: the current directory), or any {@link FileSource}
 * @param overrides - settings that win over apprentice-tools.yml
 */
export async function loadRepository(root: string | FileSource = process.cwd(), overrides: Overrides = {}): Promise<Repository> {
  const loaded = await loadFrom(typeof root === "string" ? workingTree(root) : root, overrides);
  const check = checkRepository(loaded);
  // The first file of each type (a second one is a finding); manifests are read when asked for.
  const byType = new Map<string, CheckResult["checked"][number]>();
  for (const c of check.checked) {
    const type = typeOf(c);
    if (type !== undefined && !byType.has(type)) byType.set(type, c);
  }
  return {
    loaded,
    check,
    types: () => [...byType.keys()].sort(),
    manifest: (type) => byType.get(type)?.manifest,
    plan: (options = {}) => planRepository(loaded, check, options.task ? rankByTask(options.task) : undefined),
  };
}

/**
 * The tools one apprentice gets (DESIGN §4), optionally ranked for a task. Falls back to
 * the config's `fallback` manifest for unknown types; throws {@link UnknownApprenticeError}
 * when there is none.
 */
export function provision(repo: Repository, type: string, options: { task?: string } = {}): ApprenticePlan {
  const { config, catalog, tokensOf } = repo.loaded;
  const found = repo.check.checked.find((c) => typeOf(c) === type) ?? (config.fallback ? repo.check.checked.find((c) => typeOf(c) === config.fallback) : undefined);
  if (!found?.manifest) throw new UnknownApprenticeError(type, repo.types());
  // Target findings are about a client, not the manifest: they do not make it `invalid`.
  const findings = repo.check.findings.filter((f) => f.file === found.file && !isTargetFinding(f));
  const opts: Parameters<typeof planApprentice>[3] = { limits: config.limits };
  if (catalog) opts.catalog = catalog;
  if (tokensOf) opts.tokensOf = tokensOf;
  if (options.task) opts.rank = rankByTask(options.task);
  return planApprentice(found.manifest, found.file, findings, opts);
}
