import { byImportance, failsAt, summarize, type Finding, type FindingSummary } from "../core/finding.js";
import { findingPlace } from "../core/render-markdown.js";
import { diffContextOf, diffPlans, planWithChanges, type Plan, type PlanDiff } from "../core/plan.js";
import type { Profiles } from "../core/exports.js";
import type { CheckPort } from "../github/check-port.js";
import type { FileSource } from "../io/file-source.js";
import { ConfigFileMissing, relativeOverrides, type Overrides } from "../io/repository.js";
import { loadRepository, type Repository } from "../library.js";
import { openBaseSource, type BaseRoads } from "./base-source.js";
import { changedLinesOf, type ChangedLines } from "./changed-lines.js";
import { ActionInputError } from "./errors.js";
import type { ActionInputs } from "./inputs.js";
import { profilesOf } from "./profiles.js";
import type { RunContext } from "./run-context.js";

export interface CheckOutcome {
  findings: Finding[];
  summary: FindingSummary;
  /** The head's plan; on a pull request each apprentice carries its `changes`. */
  plan: Plan;
  /** The `profiles` output (exports per apprentice and target). */
  profiles: Profiles;
  /** On a pull request whose base could be read: what it changes. */
  diff?: PlanDiff;
  changedLines?: ChangedLines;
  /** Findings at or above `fail-on`. */
  failed: boolean;
  /** What could not be done (the run goes on without it), said once each. */
  degraded: string[];
}

export interface CheckDeps {
  /** Present when there is a token and a repository to talk to. */
  port?: CheckPort;
  roads?: BaseRoads;
}

const NO_CHECKOUT_HINT = "Paths are relative to the repository root. Check the path, and that the workflow runs actions/checkout before this step.";

async function openHead(workspace: string, overrides: Overrides): Promise<Repository> {
  let repo: Repository;
  try {
    repo = await loadRepository(workspace, overrides);
  } catch (err) {
    if (err instanceof ConfigFileMissing) throw new ActionInputError(`config: the config file \`${err.path}\` does not exist.`, `${NO_CHECKOUT_HINT} Leave \`config\` empty to use apprentice-tools.yml when there is one.`);
    throw err;
  }
  const { loaded, check } = repo;
  if (loaded.configBroken) {
    const errors = loaded.findings.filter((f) => f.severity === "error");
    const ofConfig = errors.filter((f) => f.file === loaded.configFile);
    const problems = ofConfig.length ? ofConfig : errors;
    const lines = problems.map((f) => `  ${findingPlace(f)}: ${f.message}${f.next_steps[0] ? ` (${f.next_steps[0]})` : ""}`);
    throw new ActionInputError(`The config file \`${loaded.configFile ?? "apprentice-tools.yml"}\` cannot be used:\n${lines.join("\n")}`, "Fix the config file (its format is in README.md and schema/config.schema.json), or point the `config` input at another one.");
  }
  if (check.files === 0) {
    const where = overrides.manifests?.length ? `${overrides.manifests.map((m) => `\`${m}\``).join(", ")} (the \`manifests\` input)` : `\`${String(loaded.config.manifests)}\` (the config's \`manifests\`)`;
    throw new ActionInputError(`manifests: no manifest files found at ${where}.`, `${NO_CHECKOUT_HINT} Set the \`manifests\` input to the folder of your manifests, e.g. \`manifests: agents/manifests\`.`);
  }
  return repo;
}

/** The plan at the base, with the head's settings; a config the base does not have yet is no reason to fail. */
async function planAt(source: FileSource, overrides: Overrides): Promise<Plan> {
  try {
    return (await loadRepository(source, overrides)).plan();
  } catch (err) {
    if (!(err instanceof ConfigFileMissing)) throw err;
    const { config: _dropped, ...rest } = overrides;
    return (await loadRepository(source, rest)).plan();
  }
}

/**
 * The whole check: every manifest, the plan, and on a pull request the plan at its base,
 * the diff and the lines it changes. Values out; the shell reports them.
 */
export async function runCheck(ctx: RunContext, inputs: ActionInputs, deps: CheckDeps = {}): Promise<CheckOutcome> {
  const overrides = relativeOverrides(ctx.workspace, inputs.overrides);
  const head = await openHead(ctx.workspace, overrides);
  const { findings, files } = head.check;
  let plan = head.plan();
  const outcome: CheckOutcome = { findings, summary: summarize(findings, files), plan, profiles: profilesOf(head, plan), failed: failsAt(findings, inputs.failOn), degraded: [] };
  const pr = ctx.pullRequest;
  if (!pr) return outcome;

  const base = await openBaseSource(ctx.workspace, pr.baseSha, deps.port, deps.roads);
  if ("problem" in base) {
    outcome.degraded.push(`The pull request's base ${pr.baseSha.slice(0, 7)} could not be read, so what it changes is not shown: ${base.problem}.`);
  } else {
    try {
      const basePlan = await planAt(base.source, overrides);
      outcome.diff = diffPlans(basePlan, plan, diffContextOf(head.check.checked, head.loaded.catalog));
      plan = planWithChanges(basePlan, plan);
      outcome.plan = plan;
    } catch (err) {
      outcome.degraded.push(`The manifests at the pull request's base ${pr.baseSha.slice(0, 7)} could not be read (${(err as Error).message}), so what it changes is not shown.`);
    }
  }
  if (deps.port) {
    try {
      outcome.changedLines = changedLinesOf(await deps.port.listPullFiles(pr.number));
    } catch (err) {
      outcome.degraded.push(`The pull request's changed files could not be listed (${(err as Error).message}); annotations are ordered without them.`);
    }
  }
  return outcome;
}

/** The step's failure when findings reach `fail-on`: how many, the first one, and what to do. */
export function failureMessage(o: CheckOutcome, failOn: ActionInputs["failOn"]): string {
  const counted = byImportance(o.findings.filter((f) => f.severity === "error" || (failOn === "warning" && f.severity === "warning")));
  const first = counted[0];
  const what = failOn === "warning" ? `${o.summary.errors} error(s) and ${o.summary.warnings} warning(s)` : `${o.summary.errors} error(s)`;
  const example = first ? ` First: ${findingPlace(first)}: ${first.message}` : "";
  return `apprentice-tools found ${what} in the manifests (fail-on: ${failOn}).${example}\nHint: fix them (each is annotated on its line; all are in the job summary), or set \`fail-on: never\` to report without failing.`;
}
