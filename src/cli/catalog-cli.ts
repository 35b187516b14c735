import { isAbsolute, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CATALOG } from "../core/config-schema.js";
import { workingTree } from "../io/file-source.js";
import { catalogFolderFor, ConfigFileIsFolder, ConfigFileMissing, readConfig } from "../io/repository.js";
import { catalogEstimateCommand, catalogRefreshCommand } from "./catalog-command.js";
import { EXIT, UsageError, type CliIO } from "./cli-io.js";
import { wholeNumber } from "./options.js";

export const CATALOG_HELP = `Usage: apprentice-tools catalog refresh [--mcp-config FILE] [--out DIR] [--timeout MS]
       apprentice-tools catalog estimate [--dir DIR]

refresh: starts each stdio MCP server of an MCP client configuration (the \`mcpServers\`
form of .mcp.json), lists its tools, writes one tools/list JSON per server into the
catalog folder, and stops the servers. A server that fails is reported and skipped.

estimate: stores each tool's token estimate in the catalog's tools/list files (under
\`_meta\`, as refresh does), so that checks and plans need not load the tokenizer. An
estimate is ignored once its tool's definition changes; run it again after editing.
Files it changes are written back as two-space-indented JSON; lists of names and YAML
catalogs are left as they are.

Options:
  --mcp-config FILE      MCP client configuration (default: the config's \`catalog:\` when it is a .json file, else .mcp.json)
  --out DIR, --dir DIR   catalog folder (default: the config's catalog folder, else ${DEFAULT_CATALOG})
  --timeout MS           per-server time limit (default 15000)
  --config FILE          apprentice-tools configuration file`;

export async function catalogCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    io.stdout(CATALOG_HELP + "\n");
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== "refresh" && sub !== "estimate") throw new UsageError(`unknown catalog command "${sub}".`, "The catalog command has two subcommands: apprentice-tools catalog refresh, apprentice-tools catalog estimate");
  const own: Record<string, { type: "string" }> = sub === "refresh" ? { "mcp-config": { type: "string" }, out: { type: "string" }, timeout: { type: "string" } } : { dir: { type: "string" } };
  const parsed = parseArgs({ args: rest, options: { ...own, config: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }).values;
  const values = parsed as { config?: string; help?: boolean; dir?: string; "mcp-config"?: string; out?: string; timeout?: string };
  if (values.help) {
    io.stdout(CATALOG_HELP + "\n");
    return EXIT.ok;
  }
  const configured = (await readConfig(workingTree(io.cwd), values.config).catch((err: unknown) => {
    if (err instanceof ConfigFileMissing) throw new UsageError(err.message, "Check the path given to --config, or leave it out.");
    if (err instanceof ConfigFileIsFolder) throw new UsageError(err.message, err.hint);
    throw err;
  })).config.catalog;
  const abs = (p: string) => (isAbsolute(p) ? p : join(io.cwd, p));
  if (sub === "estimate") return catalogEstimateCommand(abs(values.dir ?? catalogFolderFor(configured)), io, (f) => relative(io.cwd, f) || ".");
  const mcpConfig = values["mcp-config"] ?? (configured?.endsWith(".json") ? configured : ".mcp.json");
  const out = values.out ?? catalogFolderFor(configured);
  const timeoutMs = wholeNumber("timeout", values.timeout, 1);
  return catalogRefreshCommand({ config: abs(mcpConfig), out: abs(out), ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, io);
}
