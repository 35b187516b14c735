import { failsAt, worstSeverity, type FailOn } from "../core/finding.js";
import { diffContextOf, diffPlans, planWithChanges } from "../core/plan.js";
import { planMarkdownPieces } from "../core/render-markdown.js";
import { renderDiffText, writePlanText } from "../core/render-text.js";
import type { Overrides } from "../io/repository.js";
import { inChunks } from "../core/pieces.js";
import { planRepositoryForJson } from "../core/check-repository.js";
import { EXIT, type CliIO } from "./cli-io.js";
import { writePlanJson } from "./plan-json-writer.js";
import { openRepository, planAtRef } from "./session.js";

export interface PlanRequest {
  values: { task?: string | undefined; base?: string | undefined };
  overrides: Overrides;
  format: "text" | "json" | "markdown";
  failOn: FailOn;
  /** `--format json` with no task and no base: the plan a cache may keep. */
  plain: boolean;
  /** Writes UTF-8 bytes to stdout. */
  write: (bytes: Uint8Array) => void;
}

/** `plan` the whole way: reads and checks the repository, plans, and writes the plan. */
export async function makePlan(io: CliIO, { values, overrides, format, failOn, plain, write }: PlanRequest): Promise<number> {
  const repo = await openRepository(io.cwd, overrides);
  if (plain) {
    // `--format json`, no task, no base: the entries the checks made are written as they are,
    // and the output is kept for the next plan, when nothing will have changed by then.
    const keep = repo.loaded.keepPlanOutput;
    const chunks: Uint8Array[] = [];
    writePlanJson(planRepositoryForJson(repo.loaded, repo.check), (bytes) => {
      write(bytes);
      if (keep) chunks.push(bytes);
    });
    keep?.({ worst: worstSeverity(repo.check.findings), write: (out) => chunks.forEach(out) });
  } else {
    let plan = repo.plan(values.task ? { task: values.task } : {});
    let diffText = "";
    if (values.base !== undefined) {
      const base = await planAtRef(io.cwd, values.base, overrides, values.task);
      plan = planWithChanges(base, plan);
      diffText = `\nChanges since ${values.base}:\n${renderDiffText(diffPlans(base, plan, diffContextOf(repo.check.checked, repo.loaded.catalog)))}`;
    }
    if (format === "json") writePlanJson(plan, write);
    else {
      // In pieces: a fleet's plan can be longer than one string can be.
      const out = inChunks(io.stdout);
      if (format === "markdown") for (const piece of planMarkdownPieces(plan)) out.write(piece);
      else {
        writePlanText(plan, out.write);
        out.write(diffText);
      }
      out.end();
    }
  }
  repo.loaded.saveCache?.();
  const errors = repo.check.findings.filter((f) => f.severity === "error").length;
  if (errors > 0 && format === "text") io.stderr(`note: ${errors} error${errors === 1 ? "" : "s"} in the manifests; run \`apprentice-tools check\` for details.\n`);
  if (repo.loaded.configBroken) return EXIT.usage;
  return failsAt(repo.check.findings, failOn) ? EXIT.findings : EXIT.ok;
}
