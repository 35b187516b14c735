import type { Catalog } from "./catalog.js";
import { clientTool, type ClientTool } from "./client-tool.js";
import type { GlobalLimits, TargetId } from "./config-schema.js";
import { makeFinding, type Finding, type Position } from "./finding.js";
import type { CheckedManifest } from "./manifest-check.js";
import { ownEntry, type Manifest } from "./manifest-schema.js";
import type { ApprenticePlan } from "./plan.js";
import { TARGETS, contextShareLimit, type NameLengthRule, type NameShapeRule, type TargetRules } from "./targets.js";

/** Codes of the target rules (stable: scripts filter on them). */
export const TARGET_CODES = ["target-tool-count", "target-tool-grouping", "target-name-too-long", "target-name-invalid", "target-context-share", "target-pattern-expanded"] as const;

export function isTargetFinding(f: Finding): boolean {
  return f.code.startsWith("target-");
}

interface Ctx {
  file: string;
  m: Manifest;
  checked: CheckedManifest;
  plan: ApprenticePlan;
  catalog: Catalog | undefined;
  /** Global safety margin, when known: turns "at most N tools" into a max_tools value. */
  margin: number | undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Every hard rule of each target client that one apprentice's plan breaks (DESIGN §3
 * `targets:`), placed at the manifest line to change, with what to change.
 */
export function targetFindings(checked: CheckedManifest, plan: ApprenticePlan, targets: readonly TargetId[], catalog?: Catalog, limits?: GlobalLimits): Finding[] {
  const m = checked.manifest;
  if (!m) return [];
  const ctx: Ctx = { file: checked.file, m, checked, plan, catalog, margin: limits?.safety_margin };
  const out: Finding[] = [];
  for (const id of [...new Set(targets)]) {
    const rules = TARGETS[id];
    for (const found of [countFindings(ctx, rules), nameFindings(ctx, rules), contextFindings(ctx, rules), permissionFindings(ctx, rules)]) for (const f of found) out.push(f);
  }
  return out;
}

/** Where a count or budget is set: `limits.<key>` when the manifest sets it, else the tool lists. */
function limitPlace(ctx: Ctx, key: "max_tools" | "max_tokens"): Position | undefined {
  const { m, checked } = ctx;
  if (m.limits[key] !== undefined) return checked.locate(["limits", key], "value");
  if (m.optional_tools.length > 0) return checked.locate(["optional_tools"], "key");
  if (m.required_tools.length > 0) return checked.locate(["required_tools"], "key");
  return checked.locate(["apprentice_type"], "key");
}

/** The manifest entry that brought a tool into the plan. */
function toolPlace(ctx: Ctx, tool: string): Position | undefined {
  const { m, checked, plan } = ctx;
  const source = plan.sources[tool];
  if (source?.kind === "alternative") {
    const i = (ownEntry(m.alternatives, source.for) ?? []).indexOf(tool);
    if (i !== -1) return checked.locate(["alternatives", source.for, i], "value");
  }
  const entry = source?.kind === "optional" ? source.entry : tool;
  const req = m.required_tools.indexOf(entry);
  if (req !== -1) return checked.locate(["required_tools", req], "value");
  const opt = m.optional_tools.indexOf(entry);
  if (opt !== -1) return checked.locate(["optional_tools", opt], "value");
  return checked.locate(["optional_tools"], "key");
}

/** The max_tools value that keeps at most `count` tools. */
function maxToolsFor(ctx: Ctx, count: number): string {
  return ctx.margin === undefined ? `so that max_tools − safety_margin is at most ${count}` : `${count + ctx.margin} or fewer (with safety_margin ${ctx.margin}, at most ${count} tools)`;
}

function countFindings(ctx: Ctx, rules: TargetRules): Finding[] {
  const out: Finding[] = [];
  const n = ctx.plan.tools.length;
  const type = ctx.plan.apprentice_type;
  if (rules.maxTools && n > rules.maxTools.max) {
    const { max } = rules.maxTools;
    const excess = n - max;
    const optionalGiven = ctx.plan.tools.filter((t) => ctx.plan.sources[t]?.kind !== "required").length;
    const next = [`Set limits.max_tools: ${maxToolsFor(ctx, max)}; the lowest-priority optional tools drop out first.`];
    next.push(optionalGiven >= excess ? `Or drop ${plural(excess, "optional tool")} from optional_tools.` : `Or split this apprentice: its required tools alone are more than ${rules.name} takes.`);
    out.push(
      makeFinding(ctx.file, limitPlace(ctx, "max_tools"), "error", "target-tool-count", `\`${type}\` gets ${plural(n, "tool")}; ${rules.name} takes at most ${max} (${excess} over).`, `${rules.maxTools.consequence}. Which tools are lost is then the client's choice, not the manifest's priority order.`, next),
    );
  }
  if (rules.grouping && n >= rules.grouping.from && !(rules.maxTools && n > rules.maxTools.max)) {
    const { from } = rules.grouping;
    out.push(
      makeFinding(ctx.file, limitPlace(ctx, "max_tools"), "notice", "target-tool-grouping", `\`${type}\` gets ${plural(n, "tool")}; from ${from}, ${rules.grouping.behaviour}.`, "The tools still work, but the model sees groups first and spends a step opening one before it can call a tool inside.", [`Nothing to do if that is acceptable; to keep every tool directly callable, set limits.max_tools: ${maxToolsFor(ctx, from - 1)}.`]),
    );
  }
  return out;
}

function nameFindings(ctx: Ctx, rules: TargetRules): Finding[] {
  if (!rules.nameLength && !rules.nameShape) return [];
  const out: Finding[] = [];
  for (const name of ctx.plan.tools) {
    const t = clientTool(name, ctx.catalog);
    const tooLong = rules.nameLength ? lengthProblem(t, rules.nameLength) : undefined;
    if (tooLong && rules.nameLength) out.push(lengthFinding(ctx, rules, rules.nameLength, t, tooLong));
    const shape = rules.nameShape ? shapeProblem(t.tool, rules.nameShape) : undefined;
    if (shape && rules.nameShape) {
      out.push(
        makeFinding(ctx.file, toolPlace(ctx, name), "error", "target-name-invalid", `\`${t.tool}\` is not a name ${rules.name} accepts: ${shape}.`, `${rules.name} takes tool (function) names made of ${rules.nameShape.describe}; a request carrying this one is rejected.`, [`List an alternative with a valid name under \`alternatives:\`, or add \`${name}\` to forbidden_tools for this apprentice.`, "Or rename the tool in its server (many servers accept a tool-name prefix or rename option)."]),
      );
    }
  }
  return out;
}

interface LengthProblem {
  length: number;
  /** True when the server is unknown and the shortest possible server name was assumed. */
  assumedServer: boolean;
}

function lengthProblem(t: ClientTool, rule: NameLengthRule): LengthProblem | undefined {
  if (rule.measure === "tool") return t.tool.length > rule.max ? { length: t.tool.length, assumedServer: false } : undefined;
  // Without a known server, count the shortest server name there can be (one character).
  const length = (t.server?.length ?? 1) + t.tool.length;
  return length > rule.max ? { length, assumedServer: t.server === undefined } : undefined;
}

function lengthFinding(ctx: Ctx, rules: TargetRules, rule: NameLengthRule, t: ClientTool, p: LengthProblem): Finding {
  const place = toolPlace(ctx, t.name);
  const alternative = `Or list an alternative with a shorter name under \`alternatives:\`, or add \`${t.name}\` to forbidden_tools so that the plan does not count on it.`;
  if (rule.measure === "tool") {
    return makeFinding(ctx.file, place, "error", "target-name-too-long", `\`${t.tool}\` is ${t.tool.length} characters; ${rules.name} takes names of at most ${rule.max}.`, `${rule.consequence}.`, [`Shorten the tool's name in its server to ${rule.max} characters or fewer (many servers accept a rename or prefix option).`, alternative]);
  }
  const room = rule.max - t.tool.length;
  const server = t.server ?? "?";
  const message = p.assumedServer
    ? `\`${t.tool}\` is ${t.tool.length} characters: with even a one-character server name that is ${p.length}, and ${rules.name} keeps at most ${rule.max}.`
    : `Server \`${server}\` + tool \`${t.tool}\` is ${t.server?.length ?? 0} + ${t.tool.length} = ${p.length} characters; ${rules.name} keeps at most ${rule.max}.`;
  const next = room >= 1
    ? [`Name the server in the client's mcp.json with at most ${room} characters${t.server ? ` (now \`${server}\`, ${server.length})` : ""}, and rename its catalog file to match.`, alternative]
    : [`Shorten the tool's name in its server to at most ${rule.max - 1} characters: no server name makes this one fit.`, alternative];
  return makeFinding(ctx.file, place, "error", "target-name-too-long", message, `${rule.consequence}, so the apprentice would start without it.`, next);
}

function shapeProblem(name: string, rule: NameShapeRule): string | undefined {
  if (rule.pattern.test(name)) return undefined;
  const first = name[0] ?? "";
  if (!rule.pattern.test(first + "a") && rule.pattern.test("a" + name.slice(1))) return `it starts with \`${first}\``;
  const bad = [...new Set([...name].filter((ch, i) => !rule.pattern.test(i === 0 ? ch : `a${ch}`)))];
  return bad.length ? `it contains ${bad.map((ch) => `\`${ch}\``).join(", ")}` : "it does not match the client's name rule";
}

function contextFindings(ctx: Ctx, rules: TargetRules): Finding[] {
  const rule = rules.contextShare;
  const tokens = ctx.plan.tokens;
  if (!rule || tokens === null) return [];
  const limit = contextShareLimit(rule);
  if (tokens <= limit) return [];
  const pct = Math.round(rule.share * 100);
  return [
    makeFinding(ctx.file, limitPlace(ctx, "max_tokens"), "notice", "target-context-share", `\`${ctx.plan.apprentice_type}\`'s tool definitions take about ${tokens} tokens, past ${limit} (${pct}% of a ${rule.contextTokens / 1000}k-token context window).`, `${rule.behaviour}. Nothing breaks, but each tool is found by search before its first call, which costs a step and can miss.`, [`Set limits.max_tokens: ${limit} to keep every definition loaded up front.`, "Or accept on-demand loading: nothing to do."]),
  ];
}

/** Optional patterns Claude Code cannot take as allow rules: the export lists what they match today. */
function permissionFindings(ctx: Ctx, rules: TargetRules): Finding[] {
  if (!rules.permissions || rules.permissions.partialWildcardsInAllow) return [];
  const out: Finding[] = [];
  ctx.m.optional_tools.forEach((entry, i) => {
    if (!entry.includes("*") && !entry.includes("?")) return;
    const given = ctx.plan.tools.filter((t) => {
      const s = ctx.plan.sources[t];
      return s?.kind === "optional" && s.entry === entry;
    });
    if (given.length === 0 || wholeServerEntry(entry, given, ctx.catalog)) return;
    const shown = given.slice(0, 5).map((t) => `\`${t}\``).join(", ") + (given.length > 5 ? `, … (${given.length})` : "");
    out.push(
      makeFinding(ctx.file, ctx.checked.locate(["optional_tools", i], "value"), "notice", "target-pattern-expanded", `${rules.name} cannot take \`${entry}\` as an allow rule; its export lists the ${plural(given.length, "tool")} the pattern matches today: ${shown}.`, "Claude Code allow rules accept exact names and a bare `mcp__<server>` only; current versions refuse partial wildcards. A tool the server adds later is therefore not allowed until the export is made again.", ["Regenerate the export (`apprentice-tools provision TYPE --format claude-code`) when the catalog changes, or list the tools by name."]),
    );
  });
  return out;
}

/** `mcp__<server>__*` that gave every tool of the server: exported as the bare server. */
function wholeServerEntry(entry: string, given: readonly string[], catalog: Catalog | undefined): boolean {
  const m = /^mcp__([A-Za-z0-9_.:-]+?)__\*$/.exec(entry);
  if (!m || !catalog) return false;
  const all = catalog.tools.filter((t) => t.server === m[1]).map((t) => t.name);
  return all.length > 0 && all.every((t) => given.includes(t));
}
