import { buildProfiles, type Profiles } from "../core/exports.js";
import type { Plan } from "../core/plan.js";
import type { Repository } from "../library.js";

/** The `profiles` output: every apprentice's export for every target the config names. */
export function profilesOf(repo: Repository, plan: Plan): Profiles {
  return buildProfiles(plan, repo.check.checked, repo.loaded.config.targets, repo.loaded.catalog);
}
