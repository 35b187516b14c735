import { Document, type YAMLSeq } from "yaml";
import type { Catalog } from "./catalog.js";
import { clientTool, type ClientTool } from "./client-tool.js";
import type { TargetId } from "./config-schema.js";
import type { CheckedManifest } from "./manifest-check.js";
import { ownEntry, type Manifest } from "./manifest-schema.js";
import { bareServerOf } from "./patterns.js";
import type { ApprenticePlan, Plan } from "./plan.js";
import { TARGETS } from "./targets.js";

/**
 * What each client takes, made from an apprentice's plan (issue 4, "Exports"): Claude
 * Code permission rules, a VS Code custom agent, Gemini CLI per-server tool filters and
 * OpenAI Responses API MCP tools. Substitutes are exported in place of what they stand
 * in for, and said so (a YAML comment where the format has comments, a note otherwise).
 */

export const EXPORT_FORMATS = ["claude-code", "vscode", "gemini", "openai"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportInput {
  plan: ApprenticePlan;
  /** The manifest, for forbidden entries (deny/exclude) and the agent's description. */
  manifest?: Manifest;
  catalog?: Catalog;
}

/** An export and what a person should know about it (things it could not say itself). */
export interface Exported<T> {
  value: T;
  notes: string[];
}

/** `.claude/settings.json` form. */
export interface ClaudeCodeSettings {
  permissions: { allow: string[]; deny: string[] };
}

/** A VS Code custom agent: its file name, its `tools:` list and the whole file. */
export interface VsCodeAgent {
  file: string;
  tools: string[];
  content: string;
}

/** Gemini CLI `settings.json` form: tool filters to merge into each configured server. */
export interface GeminiSettings {
  mcpServers: Record<string, { includeTools?: string[]; excludeTools?: string[] }>;
}

/** OpenAI Responses API: one `mcp` tool per server (server_url/connector to be added). */
export interface OpenAiMcpTool {
  type: "mcp";
  server_label: string;
  allowed_tools: string[];
}
export interface OpenAiTools {
  tools: OpenAiMcpTool[];
}

/** For clients without a per-agent tool file (Cursor, Windsurf): the tools to enable, by server. */
export interface ToolsToEnable {
  servers: Record<string, string[]>;
  unassigned: string[];
}

// ── shared reasoning ────────────────────────────────────────────────────────────

interface Resolved {
  tools: ClientTool[];
  /** What each substitute stands in for. */
  standsInFor: Map<string, string>;
  notes: string[];
}

function resolve(input: ExportInput): Resolved {
  const standsInFor = new Map(input.plan.substitutions.filter((s) => input.plan.tools.includes(s.with)).map((s) => [s.with, s.tool]));
  const notes = [...standsInFor].map(([alt, original]) => `\`${alt}\` is exported in place of \`${original}\`, which is unavailable.`);
  return { tools: input.plan.tools.map((t) => clientTool(t, input.catalog)), standsInFor, notes };
}

function unassignedNote(tools: readonly ClientTool[], format: string): string[] {
  const without = tools.filter((t) => t.server === undefined).map((t) => `\`${t.name}\``);
  if (without.length === 0) return [];
  return [`${without.join(", ")}: no catalog entry says which MCP server offers ${without.length === 1 ? "it" : "them"}, so the ${format} export cannot place ${without.length === 1 ? "it" : "them"}; add the server's tools/list to the catalog.`];
}

/**
 * Servers whose every catalog tool is given, exported as the whole server (`mcp__<server>`,
 * `<server>/*`), unless a forbidden entry could match a tool the server adds later: a
 * whole-server rule would let that tool in.
 */
function wholeServers(input: ExportInput, tools: readonly ClientTool[]): Set<string> {
  const out = new Set<string>();
  const { catalog } = input;
  if (!catalog) return out;
  const given = new Set(tools.map((t) => t.name));
  const forbidden = input.manifest?.forbidden_tools ?? [];
  for (const server of new Set(tools.map((t) => t.server).filter((s): s is string => s !== undefined))) {
    const all = catalog.tools.filter((t) => t.server === server);
    if (all.length === 0 || !all.every((t) => given.has(t.name))) continue;
    if (forbidden.some((entry) => couldMatchLaterTool(entry, server, catalog))) continue;
    out.add(server);
  }
  return out;
}

function couldMatchLaterTool(entry: string, server: string, catalog: Catalog): boolean {
  const bare = bareServerOf(entry);
  if (bare !== undefined) return bare === server;
  const namespaced = /^mcp__([A-Za-z0-9_.:-]+?)__/.exec(entry);
  if (namespaced) return namespaced[1] === server;
  const known = !entry.includes("*") && !entry.includes("?") ? catalog.get(entry) : undefined;
  if (known) return known.server === server;
  return true;
}

/** Forbidden entries as exact tools and whole servers, in manifest order; the rest said in notes. */
function forbiddenRules(input: ExportInput): { servers: string[]; tools: ClientTool[]; ordered: ({ server: string } | { tool: ClientTool })[]; notes: string[] } {
  const servers: string[] = [];
  const tools: ClientTool[] = [];
  const ordered: ({ server: string } | { tool: ClientTool })[] = [];
  const notes: string[] = [];
  for (const entry of input.manifest?.forbidden_tools ?? []) {
    const whole = bareServerOf(entry) ?? /^mcp__([A-Za-z0-9_.:-]+?)__\*$/.exec(entry)?.[1];
    if (whole !== undefined) {
      servers.push(whole);
      ordered.push({ server: whole });
      continue;
    }
    if (!entry.includes("*") && !entry.includes("?")) {
      const tool = clientTool(entry, input.catalog);
      tools.push(tool);
      ordered.push({ tool });
      continue;
    }
    const matched = input.catalog?.expand(entry) ?? [];
    if (!input.catalog) notes.push(`Forbidden pattern \`${entry}\` cannot be exported without a catalog to expand it against; it is left out.`);
    else if (matched.length === 0) notes.push(`Forbidden pattern \`${entry}\` matches no tool in the catalog today; it is left out.`);
    else notes.push(`Forbidden pattern \`${entry}\` is exported as the ${matched.length} tool${matched.length === 1 ? "" : "s"} it matches today; regenerate when the catalog changes.`);
    for (const t of matched) {
      const tool = clientTool(t.name, input.catalog);
      tools.push(tool);
      ordered.push({ tool });
    }
  }
  return { servers, tools, ordered, notes };
}

const unique = (xs: readonly string[]) => [...new Set(xs)];

// ── the formats ─────────────────────────────────────────────────────────────────

/**
 * Claude Code `permissions`: exact `mcp__<server>__<tool>` names where the server is known,
 * bare names otherwise, `mcp__<server>` for a whole server; never a partial wildcard.
 */
export function claudeCodeExport(input: ExportInput): Exported<ClaudeCodeSettings> {
  const r = resolve(input);
  const whole = wholeServers(input, r.tools);
  const allow = unique(r.tools.map((t) => (t.server !== undefined && whole.has(t.server) ? `mcp__${t.server}` : (t.qualified ?? t.name))));
  const forbidden = forbiddenRules(input);
  const deny = unique(forbidden.ordered.map((r) => ("server" in r ? `mcp__${r.server}` : (r.tool.qualified ?? r.tool.name))));
  return { value: { permissions: { allow, deny } }, notes: [...r.notes, ...forbidden.notes] };
}

/** A VS Code custom agent (`.agent.md`; older versions read the same front matter from `.chatmode.md`). */
export function vscodeExport(input: ExportInput): Exported<VsCodeAgent> {
  const r = resolve(input);
  const whole = wholeServers(input, r.tools);
  const entries: { name: string; comment?: string }[] = [];
  const seen = new Set<string>();
  for (const t of r.tools) {
    const name = t.server === undefined ? t.name : whole.has(t.server) ? `${t.server}/*` : `${t.server}/${t.tool}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const original = r.standsInFor.get(t.name);
    entries.push(original ? { name, comment: ` stands in for ${original} (unavailable)` } : { name });
  }
  const type = input.plan.apprentice_type;
  const doc = new Document({ name: type, description: input.manifest?.description ?? type, tools: [] as string[] });
  doc.commentBefore = ` Generated by apprentice-tools from ${input.plan.file}; regenerate rather than edit.`;
  const seq = doc.get("tools") as YAMLSeq;
  for (const e of entries) {
    const node = doc.createNode(e.name);
    if (e.comment) node.comment = e.comment;
    seq.add(node);
  }
  const body = agentBody(input);
  const content = `---\n${doc.toString({ lineWidth: 0 })}---\n${body}`;
  return { value: { file: `${type}.agent.md`, tools: entries.map((e) => e.name), content }, notes: [...r.notes, ...unassignedNote(r.tools, "VS Code")] };
}

function agentBody(input: ExportInput): string {
  const m = input.manifest;
  if (!m) return "";
  const lines = ["", m.description];
  if (m.specialization) lines.push("", `Specialization: ${m.specialization}`);
  if (m.requirements.length) {
    lines.push("", "Requirements:");
    for (const q of m.requirements) lines.push(`- ${q}`);
  }
  const notes = input.plan.tools.filter((t) => ownEntry(m.tool_notes, t)).map((t) => `- \`${t}\`: ${ownEntry(m.tool_notes, t)}`);
  if (notes.length) lines.push("", "Tools:", ...notes);
  return lines.join("\n") + "\n";
}

/** Gemini CLI: `mcpServers.<server>.includeTools` / `excludeTools` (exclude wins in Gemini CLI). */
export function geminiExport(input: ExportInput): Exported<GeminiSettings> {
  const r = resolve(input);
  const forbidden = forbiddenRules(input);
  const include = new Map<string, string[]>();
  const exclude = new Map<string, string[]>();
  const push = (map: Map<string, string[]>, server: string, tool: string) => {
    const list = map.get(server) ?? [];
    if (!list.includes(tool)) list.push(tool);
    map.set(server, list);
  };
  for (const t of r.tools) if (t.server !== undefined) push(include, t.server, t.tool);
  const catalogServers = input.catalog?.servers ?? [];
  for (const server of unique([...forbidden.servers, ...catalogServers])) {
    // A server given nothing, or forbidden whole: every tool it lists is excluded.
    if (include.has(server) && !forbidden.servers.includes(server)) continue;
    for (const t of input.catalog?.tools ?? []) if (t.server === server) push(exclude, server, clientTool(t.name, input.catalog).tool);
  }
  for (const t of forbidden.tools) if (t.server !== undefined) push(exclude, t.server, t.tool);
  const notes = [...r.notes, ...forbidden.notes, ...unassignedNote(r.tools, "Gemini")];
  const bareForbidden = forbidden.tools.filter((t) => t.server === undefined).map((t) => `\`${t.name}\``);
  for (const server of forbidden.servers) {
    if (!exclude.has(server)) notes.push(`Server \`${server}\` is forbidden but the catalog does not list its tools: leave it out of this agent's settings.`);
  }
  if (bareForbidden.length) notes.push(`Forbidden ${bareForbidden.join(", ")}: no known server, so not in any excludeTools (includeTools already leaves ${bareForbidden.length === 1 ? "it" : "them"} out).`);
  // Keyed by server name, which may be `__proto__` (a catalog file's stem): fromEntries makes
  // every key an own property, where assigning one to `{}` would set the prototype instead.
  const mcpServers: GeminiSettings["mcpServers"] = Object.fromEntries(
    unique([...include.keys(), ...exclude.keys()]).map((server) => {
      const entry: GeminiSettings["mcpServers"][string] = {};
      const inc = include.get(server);
      const exc = exclude.get(server);
      if (inc && !forbidden.servers.includes(server)) entry.includeTools = inc;
      if (exc) entry.excludeTools = exc;
      return [server, entry];
    }),
  );
  return { value: { mcpServers }, notes };
}

/** OpenAI Responses API: `{type: "mcp", server_label, allowed_tools}` per server. */
export function openAiExport(input: ExportInput): Exported<OpenAiTools> {
  const r = resolve(input);
  const byServer = new Map<string, string[]>();
  for (const t of r.tools) {
    if (t.server === undefined) continue;
    const list = byServer.get(t.server) ?? [];
    if (!list.includes(t.tool)) list.push(t.tool);
    byServer.set(t.server, list);
  }
  const tools = [...byServer].map(([server, allowed]) => ({ type: "mcp" as const, server_label: server, allowed_tools: allowed }));
  const notes = [...r.notes, ...unassignedNote(r.tools, "OpenAI")];
  if (tools.length) notes.push("Add each server's `server_url` (or `connector_id`) to its entry before sending the request.");
  return { value: { tools }, notes };
}

/** Cursor and Windsurf have no per-agent tool file: the tools to switch on in their MCP settings. */
export function toolsToEnable(input: ExportInput): Exported<ToolsToEnable> {
  const r = resolve(input);
  // Grouped in a Map: on `{}`, a server named `constructor` or `toString` found the
  // prototype's function in place of a list, and `__proto__` the prototype itself.
  const servers = new Map<string, string[]>();
  const unassigned: string[] = [];
  for (const t of r.tools) {
    if (t.server === undefined) unassigned.push(t.name);
    else {
      const list = servers.get(t.server);
      if (list) list.push(t.tool);
      else servers.set(t.server, [t.tool]);
    }
  }
  return { value: { servers: Object.fromEntries(servers), unassigned }, notes: r.notes };
}

/** The text `provision --format <format>` prints, and the notes that go beside it. */
export function renderExport(format: ExportFormat, input: ExportInput): Exported<string> {
  if (format === "vscode") {
    const e = vscodeExport(input);
    return { value: e.value.content, notes: e.notes };
  }
  const e = format === "claude-code" ? claudeCodeExport(input) : format === "gemini" ? geminiExport(input) : openAiExport(input);
  return { value: JSON.stringify(e.value, null, 2) + "\n", notes: e.notes };
}

// ── profiles: every apprentice, every configured target ─────────────────────────

export interface ApprenticeProfile {
  file: string;
  status: ApprenticePlan["status"];
  tools: string[];
  substitutions: { tool: string; with: string }[];
  exports: Partial<Record<TargetId, ClaudeCodeSettings | VsCodeAgent | GeminiSettings | OpenAiTools | ToolsToEnable>>;
  notes: Partial<Record<TargetId, string[]>>;
}

export interface Profiles {
  targets: TargetId[];
  apprentices: Record<string, ApprenticeProfile>;
}

function exportFor(target: TargetId, input: ExportInput): Exported<ApprenticeProfile["exports"][TargetId]> {
  switch (TARGETS[target].exportFormat) {
    case "claude-code":
      return claudeCodeExport(input);
    case "vscode":
      return vscodeExport(input);
    case "gemini":
      return geminiExport(input);
    case "openai":
      return openAiExport(input);
    default: {
      const e = toolsToEnable(input);
      return { value: e.value, notes: [...e.notes, `${TARGETS[target].name} has no per-agent tool file: enable these tools in its MCP settings.`] };
    }
  }
}

/**
 * One JSON-ready object with every apprentice's export for every target (the action's
 * `profiles` output), so a workflow can publish it for the programs that spawn apprentices.
 */
export function buildProfiles(plan: Plan, checked: readonly CheckedManifest[], targets: readonly TargetId[], catalog?: Catalog): Profiles {
  const manifests = new Map<string, Manifest>();
  for (const c of checked) if (c.manifest && !manifests.has(c.file)) manifests.set(c.file, c.manifest);
  const wanted = unique(targets) as TargetId[];
  const apprentices: Record<string, ApprenticeProfile> = {};
  for (const a of plan.apprentices) {
    const input: ExportInput = { plan: a };
    const manifest = manifests.get(a.file);
    if (manifest) input.manifest = manifest;
    if (catalog) input.catalog = catalog;
    const profile: ApprenticeProfile = { file: a.file, status: a.status, tools: a.tools, substitutions: a.substitutions, exports: {}, notes: {} };
    for (const target of wanted) {
      const e = exportFor(target, input);
      profile.exports[target] = e.value;
      if (e.notes.length) profile.notes[target] = e.notes;
    }
    apprentices[a.apprentice_type] = profile;
  }
  return { targets: wanted, apprentices };
}
