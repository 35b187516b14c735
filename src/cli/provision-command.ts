import { parseArgs } from "node:util";
import { EXPORT_FORMATS, renderExport, type ExportInput } from "../core/exports.js";
import { provision, UnknownApprenticeError } from "../library.js";
import { EXIT, UsageError, type CliIO } from "./cli-io.js";
import { COMMON_OPTIONS, oneOf, overridesFrom } from "./options.js";
import { openRepository } from "./session.js";

export const PROVISION_FORMATS = ["json", "names", ...EXPORT_FORMATS] as const;

export const PROVISION_HELP = `Usage: apprentice-tools provision TYPE [--task TEXT] [--format ${PROVISION_FORMATS.join("|")}]

Prints the tools one apprentice type gets: what a spawner hands it.

Options:
  --task TEXT            rank optional tools by relevance to this task
  --format FORMAT        json (default: the apprentice's plan), names (one tool per line),
                         claude-code (.claude/settings.json permissions), vscode (a custom
                         agent .agent.md), gemini (settings.json includeTools/excludeTools),
                         openai (Responses API mcp tools); see docs/targets.md
  (and --config, --catalog, --max-tools, --safety-margin, --max-tokens as for check)`;

export async function provisionCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, task: { type: "string" } }, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(PROVISION_HELP + "\n");
    return EXIT.ok;
  }
  const [type, ...extra] = positionals;
  if (!type) throw new UsageError("provision needs an apprentice type.", "For example: apprentice-tools provision python_patterns --format names");
  if (extra.length) throw new UsageError(`provision takes one apprentice type; got ${positionals.length}: ${positionals.join(" ")}.`);
  const format = oneOf("format", values.format, PROVISION_FORMATS, "json");
  const overrides = overridesFrom(io.cwd, values, []);
  const options = values.task ? { task: values.task } : {};
  // A spawner asks for one apprentice: only the manifests that may be its own are read
  // and checked, not the whole fleet (see Overrides.onlyTypes).
  let repo = await openRepository(io.cwd, { ...overrides, onlyTypes: [type] });
  let plan;
  try {
    plan = provision(repo, type, options);
  } catch (err) {
    if (!(err instanceof UnknownApprenticeError)) throw err;
    // Not there: the whole fleet is read, for the types the message names.
    repo = await openRepository(io.cwd, overrides);
    try {
      plan = provision(repo, type, options);
    } catch (again) {
      if (again instanceof UnknownApprenticeError) throw new UsageError(again.message);
      throw again;
    }
  }
  if (format === "names") io.stdout(plan.tools.join("\n") + (plan.tools.length ? "\n" : ""));
  else if (format === "json") io.stdout(JSON.stringify(plan, null, 2) + "\n");
  else {
    const input: ExportInput = { plan };
    const manifest = repo.manifest(plan.apprentice_type);
    if (manifest) input.manifest = manifest;
    if (repo.loaded.catalog) input.catalog = repo.loaded.catalog;
    const exported = renderExport(format, input);
    io.stdout(exported.value);
    for (const note of exported.notes) io.stderr(`note: ${note}\n`);
  }
  if (plan.status !== "ok") io.stderr(`note: ${type} is ${plan.status}${plan.missing_required.length ? `: missing required ${plan.missing_required.join(", ")}` : ""}; run \`apprentice-tools check\` for details.\n`);
  return plan.status === "invalid" ? EXIT.findings : EXIT.ok;
}
