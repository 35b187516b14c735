import { parseArgs } from "node:util";
import { failsAt } from "../core/finding.js";
import { workingTree } from "../io/file-source.js";
import { keptPlanOutput } from "../io/plan-output.js";
import { EXIT, type CliIO } from "./cli-io.js";
import { cacheDirFor, COMMON_OPTIONS, FAIL_ON, oneOf, overridesFrom } from "./options.js";

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
  const overrides = overridesFrom(io.cwd, values, positionals);
  const cacheDir = cacheDirFor(io.cwd, io.env, values);
  if (cacheDir) overrides.cacheDir = cacheDir;
  const write = io.stdoutBytes ? (bytes: Uint8Array) => io.stdoutBytes?.(bytes) : (bytes: Uint8Array) => io.stdout(utf8.decode(bytes));
  const plain = format === "json" && values.task === undefined && values.base === undefined;
  // Nothing changed since a check or plan kept this very plan: its bytes, as they were.
  const kept = plain && cacheDir ? await keptPlanOutput(workingTree(io.cwd), { ...overrides }, cacheDir) : undefined;
  if (kept) {
    for (const chunk of kept.chunks) write(chunk);
    return failsAt(kept.worst ? [{ severity: kept.worst }] : [], failOn) ? EXIT.findings : EXIT.ok;
  }
  // The rest (reading, checking, planning) loads only now.
  const { makePlan } = await import("./plan-make.js");
  return makePlan(io, { values, overrides, format, failOn, plain, write });
}
