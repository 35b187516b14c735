import type { Finding } from "../core/finding.js";
import { toolDefinitionText, tooDeepPhrase } from "../core/catalog.js";
import { estimateCatalogFolder } from "../io/catalog-estimate.js";
import { refreshServers, type ServerRefreshResult } from "../io/catalog-refresh.js";
import { loadTokenCounter } from "../io/tokenizer.js";
import { loadMcpConfig } from "../io/mcp-config.js";

export interface CatalogRefreshArgs {
  /** MCP client configuration (`.mcp.json`). */
  config: string;
  /** Catalog folder to write `<server>.json` into. */
  out: string;
  timeoutMs?: number;
}

export interface CommandIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/**
 * `apprentice-tools catalog refresh`: one line per server; exit 0 when every stdio server was
 * written, 1 when some failed, 2 when the configuration is missing or invalid.
 */
export async function catalogRefreshCommand(args: CatalogRefreshArgs, io: CommandIo): Promise<number> {
  const loaded = await loadMcpConfig(args.config);
  if (!loaded.ok) {
    io.stderr(renderConfigProblem(loaded.finding));
    return 2;
  }
  if (loaded.config.servers.length === 0) {
    io.stdout(`no servers in ${args.config}: "mcpServers" is empty, nothing to refresh\n`);
    return 0;
  }
  const results = await refreshServers(loaded.config, { outDir: args.out, ...(args.timeoutMs !== undefined && { timeoutMs: args.timeoutMs }) });
  for (const result of results) io.stdout(`${renderResult(result)}\n`);
  const failed = results.filter((r) => !r.ok).length;
  if (failed > 0) {
    io.stderr(`${failed} of ${results.length} servers failed; their catalog files were left as they were.\n`);
    return 1;
  }
  return 0;
}

/**
 * `apprentice-tools catalog estimate`: one line per catalog file; exit 0, or 2 when the
 * folder cannot be read.
 */
export async function catalogEstimateCommand(dir: string, io: CommandIo, shown: (file: string) => string = (f) => f): Promise<number> {
  const count = await loadTokenCounter();
  let results;
  try {
    results = await estimateCatalogFolder(dir, count, toolDefinitionText);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr(`error: cannot read the catalog folder ${shown(dir)}${code === "ENOENT" ? ": it does not exist" : `: ${(error as Error).message}`}.\nhint: give the folder with --dir, or set \`catalog:\` in apprentice-tools.yml.\n`);
    return 2;
  }
  if (results.length === 0) io.stdout(`no catalog files in ${shown(dir)}\n`);
  for (const r of results) {
    if (r.status === "skipped") io.stdout(`- ${shown(r.file)}: ${r.reason} (skipped)\n`);
    else io.stdout(`${r.status === "written" ? "✓" : "="} ${shown(r.file)}: ${r.tools} ${r.tools === 1 ? "tool" : "tools"} ${r.status === "written" ? "estimated" : "already estimated"}\n`);
  }
  return 0;
}

/** `✓ filesystem: 14 tools → manifests/catalog/filesystem.json` and the like. */
export function renderResult(result: ServerRefreshResult): string {
  switch (result.status) {
    case "written": {
      const leftOut = (result.leftOut ?? []).map((t) => tooDeepPhrase(t.name, t.field));
      const note = leftOut.length === 0 ? "" : ` (left out ${leftOut.join("; ")}: flatten ${leftOut.length === 1 ? "it" : "them"} in the server, or ask its authors to, then refresh again)`;
      return `✓ ${result.server}: ${result.tools} ${result.tools === 1 ? "tool" : "tools"} → ${result.file}${note}`;
    }
    case "skipped":
      return `- ${result.server}: ${result.reason} (skipped)`;
    case "failed":
      return `✗ ${result.server}: ${result.error} (skipped)`;
  }
}

function renderConfigProblem(finding: Finding): string {
  const place = finding.line === undefined ? finding.file : `${finding.file}:${finding.line}:${finding.column ?? 1}`;
  const lines = [`${place}: ${finding.message} [${finding.code}]`, `  ${finding.guidance}`, ...finding.next_steps.map((step) => `  → ${step}`)];
  return `${lines.join("\n")}\n`;
}
