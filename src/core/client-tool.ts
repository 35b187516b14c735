import type { Catalog } from "./catalog.js";

/** A provisioned tool as the clients see it: which server offers it, under which name. */
export interface ClientTool {
  /** The name in the plan (as the catalog or the manifest lists it). */
  name: string;
  /** The MCP server, when the catalog knows it or the name is namespaced. */
  server?: string;
  /** The server's own name for the tool (without any `mcp__<server>__` prefix). */
  tool: string;
  /** `mcp__<server>__<tool>` when the server is known. */
  qualified?: string;
}

const NAMESPACED_RE = /^mcp__(.+?)__(.+)$/;

/**
 * Where a tool of the plan lives. A catalog entry names its server; without one, a name
 * in the Claude Code form `mcp__<server>__<tool>` still does.
 */
export function clientTool(name: string, catalog?: Catalog): ClientTool {
  const known = catalog?.get(name);
  const listed = known?.name ?? name;
  const m = NAMESPACED_RE.exec(listed);
  // A name listed in the Claude Code form says its server and tool itself.
  if (m?.[1] && m[2]) return { name, server: m[1], tool: m[2], qualified: listed };
  if (known) return { name, server: known.server, tool: known.name, qualified: known.qualified };
  return { name, tool: name };
}
