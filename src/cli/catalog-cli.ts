import { isAbsolute, join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CATALOG } from "../core/config-schema.js";
import { workingTree } from "../io/file-source.js";
import { catalogFolderFor, ConfigFileMissing, readConfig } from "../io/repository.js";
import { catalogRefreshCommand } from "./catalog-command.js";
import { EXIT, UsageError, type CliIO } from "./cli-io.js";
import { wholeNumber } from "./options.js";

export const CATALOG_HELP = `Usage: apprentice-tools catalog refresh [--mcp-config FILE] [--out DIR] [--timeout MS]

Starts each stdio MCP server of an MCP client configuration (the \`mcpServers\` form of
.mcp.json), lists its tools, writes one tools/list JSON per server into the catalog
folder, and stops the servers. A server that fails is reported and skipped.

Options:
  --mcp-config FILE      MCP client configuration (default: the config's \`catalog:\` when it is a .json file, else .mcp.json)
  --out DIR              catalog folder to write (default: the config's catalog folder, else ${DEFAULT_CATALOG})
  --timeout MS           per-server time limit (default 15000)
  --config FILE          apprentice-tools configuration file`;

export async function catalogCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    io.stdout(CATALOG_HELP + "\n");
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== "refresh") throw new UsageError(`unknown catalog command "${sub}".`, "The catalog command has one subcommand: apprentice-tools catalog refresh");
  const { values } = parseArgs({ args: rest, options: { "mcp-config": { type: "string" }, out: { type: "string" }, timeout: { type: "string" }, config: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
  if (values.help) {
    io.stdout(CATALOG_HELP + "\n");
    return EXIT.ok;
  }
  const configured = (await readConfig(workingTree(io.cwd), values.config).catch((err: unknown) => {
    if (err instanceof ConfigFileMissing) throw new UsageError(err.message, "Check the path given to --config, or leave it out.");
    throw err;
  })).config.catalog;
  const mcpConfig = values["mcp-config"] ?? (configured?.endsWith(".json") ? configured : ".mcp.json");
  const out = values.out ?? catalogFolderFor(configured);
  const timeoutMs = wholeNumber("timeout", values.timeout, 1);
  const abs = (p: string) => (isAbsolute(p) ? p : join(io.cwd, p));
  return catalogRefreshCommand({ config: abs(mcpConfig), out: abs(out), ...(timeoutMs !== undefined ? { timeoutMs } : {}) }, io);
}
