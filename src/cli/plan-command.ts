import { parseArgs } from "node:util";
import { failsAt } from "../core/finding.js";
import { diffPlans, planWithChanges } from "../core/plan.js";
import { renderPlanMarkdown } from "../core/render-markdown.js";
import { renderDiffText, renderPlanText } from "../core/render-text.js";
import { EXIT, type CliIO } from "./cli-io.js";
import { cacheDirFor, COMMON_OPTIONS, FAIL_ON, oneOf, overridesFrom } from "./options.js";
import { writePlanJson } from "./plan-json-writer.js";
import { openRepository, planAtRef } from "./session.js";

export const PLAN_HELP = `Usage: apprentice-tools plan [PATHS…] [--base GIT_REF] [--task TEXT] [--format text|json|markdown]

Shows which tools each apprentice gets under the limits, and why the others are left out.

Options:
  --base REF             also compute the plan at a git revision and show what changes
  --task TEXT            rank optional tools by relevance to this task
  --format FORMAT        text (default), json, markdown
  --fail-on LEVEL        never (default), error, warning: exit 1 when manifests have findings at or above it
  (and --config, --catalog, --max-tools, --safety-margin, --max-tokens, --no-cache as for check)`;

const utf8 = new TextDecoder();

export async function planCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...COMMON_OPTIONS, base: { type: "string" }, task: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(PLAN_HELP + "\n");
    return EXIT.ok;
  }
  const format = oneOf("format", values.format, ["text", "json", "markdown"] as const, "text");
  const failOn = oneOf("fail-on", values["fail-on"], FAIL_ON, "never");
  const overrides = overridesFrom(values, positionals);
  const cacheDir = cacheDirFor(io.cwd, io.env, values);
  if (cacheDir) overrides.cacheDir = cacheDir;
  const repo = await openRepository(io.cwd, overrides);
  let plan = repo.plan(values.task ? { task: values.task } : {});
  let diffText = "";
  if (values.base !== undefined) {
    const base = await planAtRef(io.cwd, values.base, overrides, values.task);
    plan = planWithChanges(base, plan);
    diffText = `\nChanges since ${values.base}:\n${renderDiffText(diffPlans(base, plan))}`;
  }
  if (format === "json") writePlanJson(plan, io.stdoutBytes ? (bytes) => io.stdoutBytes?.(bytes) : (bytes) => io.stdout(utf8.decode(bytes)));
  else if (format === "markdown") io.stdout(renderPlanMarkdown(plan));
  else io.stdout(renderPlanText(plan) + diffText);
  repo.loaded.saveCache?.();
  const errors = repo.check.findings.filter((f) => f.severity === "error").length;
  if (errors > 0 && format === "text") io.stderr(`note: ${errors} error${errors === 1 ? "" : "s"} in the manifests; run \`apprentice-tools check\` for details.\n`);
  if (repo.loaded.configBroken) return EXIT.usage;
  return failsAt(repo.check.findings, failOn) ? EXIT.findings : EXIT.ok;
}
