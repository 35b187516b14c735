import { parseArgs } from "node:util";
import { planRepositoryForJson } from "../core/check-repository.js";
import { failsAt, summarize, worstSeverity } from "../core/finding.js";
import { writeFindingsGithub } from "../core/render-github.js";
import { writeFindingsJson } from "../core/render-json.js";
import { writeFindingsText } from "../core/render-text.js";
import { inChunks } from "../core/pieces.js";
import { EXIT, UsageError, type CliIO } from "./cli-io.js";
import type { Repository } from "../library.js";
import { cacheDirFor, COMMON_OPTIONS, FAIL_ON, oneOf, overridesFrom } from "./options.js";
import { writePlanJson } from "./plan-json-writer.js";
import { loadSourceLines, openRepository } from "./session.js";

export const CHECK_HELP = `Usage: apprentice-tools check [PATHS…] [options]

Validates manifests (files, folders or globs; default: the config's \`manifests\`).

Options:
  --config FILE          configuration file (default: apprentice-tools.yml, .github/apprentice-tools.yml)
  --format FORMAT        text (default; the first 100 findings of each file), json (all), github (workflow annotations)
  --fail-on LEVEL        error (default), warning, notice, never: exit 1 at or above it
  --catalog DIR          tool catalog folder ("none" to skip availability checks)
  --max-tools N          global max_tools (default 50)
  --safety-margin N      global safety_margin (default 5)
  --max-tokens N         global token budget
  --no-cache             do not reuse or keep results in node_modules/.cache/apprentice-tools

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or configuration error.`;

export async function checkCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: COMMON_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(CHECK_HELP + "\n");
    return EXIT.ok;
  }
  const format = oneOf("format", values.format, ["text", "json", "github"] as const, "text");
  const failOn = oneOf("fail-on", values["fail-on"], FAIL_ON, "error");
  // The check never plans (unless targets need it), so the tokenizer is not loaded.
  const cacheDir = cacheDirFor(io.cwd, io.env, values);
  const repo = await openRepository(io.cwd, { ...overridesFrom(io.cwd, values, positionals), countTokens: false, ...(cacheDir ? { cacheDir } : {}) });
  const { findings, files } = repo.check;
  if (files === 0 && !repo.loaded.configBroken) {
    const where = positionals.length ? positionals.join(", ") : String(repo.loaded.config.manifests);
    throw new UsageError(`No manifest files found at ${where}.`, "Check the path, or set `manifests:` in apprentice-tools.yml to a glob such as \"manifests/**/*.{yml,yaml}\".");
  }
  const summary = summarize(findings, files);
  // Written in pieces: there is no limit to how many findings a report holds.
  const out = inChunks(io.stdout);
  if (format === "json") writeFindingsJson(findings, summary, out.write);
  else if (format === "github") writeFindingsGithub(findings, out.write);
  else writeFindingsText(findings, summary, out.write, await loadSourceLines(io.cwd, findings.filter((f) => f.line !== undefined).map((f) => f.file)));
  out.end();
  repo.loaded.saveCache?.();
  keepPlan(repo);
  if (repo.loaded.configBroken) return EXIT.usage;
  return failsAt(findings, failOn) ? EXIT.findings : EXIT.ok;
}

/**
 * Keeps the output of `plan --format json` for the plan that usually follows, when the
 * cache can (every file settled) and the plan is ready to make: the checks made its
 * entries and every token estimate is known (a check never loads the tokenizer).
 */
function keepPlan(repo: Repository): void {
  const { keepPlanOutput, catalog, tokensOf } = repo.loaded;
  if (!keepPlanOutput || (catalog && !tokensOf)) return;
  // Made only if it is written (a plan kept from the same inputs is not made again).
  keepPlanOutput({ worst: worstSeverity(repo.check.findings), write: (out) => writePlanJson(planRepositoryForJson(repo.loaded, repo.check), out, { done: true }) });
}
