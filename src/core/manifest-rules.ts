import { catalogMatcher, type Catalog, type CatalogMatcher } from "./catalog.js";
import type { CheckContext } from "./manifest-check.js";
import { didYouMean } from "./did-you-mean.js";
import { makeFinding, type Finding, type Position } from "./finding.js";
import type { Locator } from "./locator.js";
import { ownEntry, type Manifest } from "./manifest-schema.js";
import { bareServerOf, explainInvalidEntry, firstMatch, isPattern, isShadowedBy } from "./patterns.js";

type ListKey = "required_tools" | "optional_tools" | "forbidden_tools";
const LISTS: readonly ListKey[] = ["required_tools", "optional_tools", "forbidden_tools"];
const SECTIONS = [
  ["tool_notes", "note-key-unlisted"],
  ["alternatives", "alternative-key-unlisted"],
] as const;
const NONE: readonly string[] = [];

function where(file: string, pos: Position | undefined): string {
  return pos ? `${file}:${pos.line}` : file;
}

/** The per-file rules 4–10 over a schema-valid manifest. */
export function manifestRuleFindings(file: string, m: Manifest, locate: Locator, ctx: CheckContext): Finding[] {
  const out: Finding[] = [];
  const at = (key: string, i: number) => locate([key, i], "value");
  const add = (pos: Position | undefined, severity: Finding["severity"], code: string, message: string, guidance: string, next: string[]) =>
    out.push(makeFinding(file, pos, severity, code, message, guidance, next));

  // Rule 10: names and patterns that are not valid. Invalid entries are not checked further.
  const valid: Record<ListKey, { entry: string; i: number }[]> = { required_tools: [], optional_tools: [], forbidden_tools: [] };
  for (const key of LISTS) {
    m[key].forEach((entry, i) => {
      if (key === "required_tools" && isPattern(entry) && explainInvalidEntry(entry, true) === undefined) {
        add(at(key, i), "error", "required-pattern", `\`${entry}\` in required_tools is a pattern; required tools must be exact names.`, "A required tool is one the apprentice cannot work without; a pattern may match several tools or none, so it cannot promise that.", [`Name the exact tool here, or move \`${entry}\` to optional_tools.`]);
        return;
      }
      const why = explainInvalidEntry(entry, key !== "required_tools");
      if (why) {
        add(at(key, i), "error", key === "required_tools" ? "tool-name-invalid" : "pattern-invalid", `${entry === "" ? "An empty entry" : `\`${entry}\``} in ${key} is not a valid tool ${key === "required_tools" ? "name" : "name or pattern"}: ${why}.`, "Clients reject such names, so this entry can never match a tool.", [`Correct it to a name like \`read_file\`${key === "required_tools" ? "" : " or a pattern like `github_get_*`"}.`]);
        return;
      }
      valid[key].push({ entry, i });
    });
  }

  // Rule 4: the same entry twice, in one list or across lists.
  // First places as numbers (list × 2^20 + index): one map entry per tool, no object each.
  const firstSeen = new Map<string, number>();
  for (let l = 0; l < LISTS.length; l++) {
    const key = LISTS[l] as ListKey;
    for (const { entry, i } of valid[key]) {
      const seen = firstSeen.get(entry);
      if (seen === undefined) {
        firstSeen.set(entry, l * 0x100000 + i);
        continue;
      }
      const prior = { key: LISTS[Math.floor(seen / 0x100000)] as ListKey, i: seen % 0x100000 };
      if (key === "forbidden_tools" && prior.key !== "forbidden_tools") continue; // reported by rules 5 and 6
      const priorPos = at(prior.key, prior.i);
      const same = prior.key === key;
      add(at(key, i), "warning", "tool-duplicate", same ? `\`${entry}\` is listed twice in ${key} (first at line ${priorPos?.line ?? "?"}).` : `\`${entry}\` is listed in both ${prior.key} (line ${priorPos?.line ?? "?"}) and ${key}.`, same ? "The second entry has no effect, and a reader may think the order means something it does not." : "A tool is either required or optional; listing it twice hides which one was meant.", [same ? `Remove this entry.` : `Keep \`${entry}\` in ${prior.key === "required_tools" ? "required_tools" : "one list"} and remove it from the other.`]);
    }
  }

  const forbidden = valid.forbidden_tools.map((f) => f.entry);
  const forbiddenMatch = catalogMatcher(forbidden, ctx.catalog);
  const forbiddenLine = (pattern: string) => {
    const hit = valid.forbidden_tools.find((f) => f.entry === pattern);
    return hit ? at("forbidden_tools", hit.i) : undefined;
  };

  // Rule 5: a required tool that a forbidden entry matches.
  for (const { entry, i } of valid.required_tools) {
    const pattern = forbiddenMatch.name(entry);
    if (pattern) {
      const pos = forbiddenLine(pattern);
      add(at("required_tools", i), "error", "required-forbidden", `Required tool \`${entry}\` is forbidden by \`${pattern}\` (${where(file, pos)}).`, "Forbidden always wins, so this apprentice would start without a tool it cannot work without.", [pattern === entry ? `Remove \`${entry}\` from one of the two lists.` : `Remove \`${entry}\` from required_tools, or narrow the forbidden pattern \`${pattern}\` so that it no longer matches it.`]);
    }
  }

  // Rule 6: an optional entry that forbidden entries shadow entirely.
  for (const { entry, i } of valid.optional_tools) {
    const shadows = shadowingPatterns(entry, forbidden, forbiddenMatch, ctx.catalog);
    if (shadows.length) {
      const named = shadows.map((p) => `\`${p}\` (${where(file, forbiddenLine(p))})`);
      const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(", ")} and ${named[named.length - 1]}`;
      add(at("optional_tools", i), "warning", "optional-shadowed", `Optional entry \`${entry}\` can never be given: ${list} ${named.length === 1 ? "forbids" : "forbid"} ${isPattern(entry) ? "every tool it matches" : "it"}.`, "Forbidden always wins, so this entry is dead weight that suggests the apprentice has a tool it never gets.", [`Remove \`${entry}\` from optional_tools, or narrow ${shadows.map((p) => `\`${p}\``).join(", ")}.`]);
    }
  }

  // Rule 7: names and patterns checked against the catalog.
  if (ctx.catalog) for (const f of catalogFindings(file, m, valid, at, ctx.catalog)) out.push(f);

  // Rule 8: limits.
  for (const f of limitFindings(file, m, locate, ctx, valid.required_tools.length)) out.push(f);

  // Rule 9: notes and alternatives about tools the manifest does not list. Rule 4's map
  // has every valid entry, first by list: a name first seen in required_tools or
  // optional_tools is listed. (Optional patterns are gathered only for a key that is not.)
  let optionalPatterns: string[] | undefined;
  const listed = (tool: string) => {
    const seen = firstSeen.get(tool);
    if (seen !== undefined && seen < 2 * 0x100000) return true;
    optionalPatterns ??= valid.optional_tools.filter((o) => isPattern(o.entry)).map((o) => o.entry);
    return optionalPatterns.length > 0 && firstMatch(optionalPatterns, tool, ctx.catalog?.get(tool)?.server) !== undefined;
  };
  for (const [section, code] of SECTIONS) {
    for (const key of Object.keys(m[section])) {
      if (listed(key)) continue;
      const guess = didYouMean(key, [...valid.required_tools, ...valid.optional_tools].map((e) => e.entry));
      add(locate([section, key], "key"), "warning", code, `${section} has an entry for \`${key}\`, which is not in required_tools or optional_tools.${guess ? ` Did you mean \`${guess}\`?` : ""}`, section === "tool_notes" ? "A note about a tool the apprentice never gets is never read, and often means a tool was renamed or removed." : "Alternatives only replace tools the apprentice is meant to have; this one is never used.", [guess ? `Rename the key to \`${guess}\`.` : `Add \`${key}\` to a tool list, or remove this entry.`]);
    }
  }
  for (const [tool, alts] of Object.entries(m.alternatives)) {
    alts.forEach((alt, i) => {
      const why = explainInvalidEntry(alt, false);
      if (why) add(locate(["alternatives", tool, i], "value"), "error", "tool-name-invalid", `Alternative \`${alt}\` for \`${tool}\` is not a valid tool name: ${why}.`, "An alternative must be an exact tool the client can be given.", ["Correct it to an exact tool name."]);
    });
  }
  return out;
}

/** The forbidden entries that, together, forbid every tool `entry` can give (none when some tool escapes). */
function shadowingPatterns(entry: string, forbidden: readonly string[], forbiddenMatch: CatalogMatcher, catalog: Catalog | undefined): readonly string[] {
  if (!isPattern(entry)) {
    const p = forbiddenMatch.name(entry);
    return p ? [p] : NONE;
  }
  const structural = isShadowedBy(entry, forbidden);
  if (structural) return [structural];
  const tools = catalog?.expand(entry) ?? [];
  if (tools.length === 0) return NONE;
  const used = new Set<string>();
  for (const t of tools) {
    const p = forbiddenMatch.tool(t);
    if (!p) return NONE;
    used.add(p);
  }
  return forbidden.filter((p) => used.has(p));
}

function catalogFindings(
  file: string,
  m: Manifest,
  valid: Record<ListKey, { entry: string; i: number }[]>,
  at: (key: string, i: number) => Position | undefined,
  catalog: Catalog,
): Finding[] {
  const out: Finding[] = [];
  // Asked once, not for every unknown entry: a catalog may hold tens of thousands of names.
  let allNames: string[] | undefined;
  const names = () => (allNames ??= catalog.names());
  for (const { entry, i } of valid.required_tools) {
    if (catalog.has(entry)) continue;
    const alts = ownEntry(m.alternatives, entry) ?? [];
    const available = alts.find((a) => catalog.has(a));
    if (available) {
      out.push(makeFinding(file, at("required_tools", i), "notice", "required-substituted", `Required tool \`${entry}\` is not in the catalog; its alternative \`${available}\` will be given instead.`, "The apprentice still gets a tool for the job, but not the one its manifest names first.", [`Nothing to do if \`${available}\` serves; otherwise add \`${entry}\` to the catalog.`]));
      continue;
    }
    const guess = didYouMean(entry, names());
    out.push(makeFinding(file, at("required_tools", i), "error", "required-unknown", `Required tool \`${entry}\` is not in the catalog${alts.length ? `, and neither are its alternatives (${alts.map((a) => `\`${a}\``).join(", ")})` : ""}.${guess ? ` Did you mean \`${guess}\`?` : ""}`, "The apprentice cannot work without a required tool, and no server offers this one, so it will start degraded.", [guess ? `Change it to \`${guess}\`.` : "Check the tool's exact name in the server's tools/list, add the server's catalog file, or list an available alternative under `alternatives:`."]));
  }
  for (const { entry, i } of valid.optional_tools) {
    if (isPattern(entry)) {
      if (catalog.expand(entry).length === 0) {
        out.push(makeFinding(file, at("optional_tools", i), "warning", "pattern-matches-nothing", `Optional pattern \`${entry}\` matches no tool in the catalog.`, "A pattern that matches nothing gives the apprentice nothing; usually a prefix changed or a server is missing from the catalog.", [patternHint(entry, catalog)]));
      }
    } else if (!catalog.has(entry) && !(ownEntry(m.alternatives, entry) ?? []).some((a) => catalog.has(a))) {
      const guess = didYouMean(entry, names());
      out.push(makeFinding(file, at("optional_tools", i), "warning", "optional-unknown", `Optional tool \`${entry}\` is not in the catalog.${guess ? ` Did you mean \`${guess}\`?` : ""}`, "It will be left out of the plan as unavailable.", [guess ? `Change it to \`${guess}\`.` : "Check its exact name in the server's tools/list, or add that server's catalog file."]));
    }
  }
  for (const { entry, i } of valid.forbidden_tools) {
    const none = isPattern(entry) ? catalog.expand(entry).length === 0 : !catalog.has(entry);
    if (none) {
      out.push(makeFinding(file, at("forbidden_tools", i), "notice", "forbidden-matches-nothing", `Forbidden ${isPattern(entry) ? "pattern" : "tool"} \`${entry}\` matches no tool in the catalog today.`, "It still protects against tools added later; this is only a note in case it was meant to match something now.", ["Nothing to do if it is a guard for the future."]));
    }
  }
  return out;
}

function patternHint(entry: string, catalog: Catalog): string {
  const server = bareServerOf(entry);
  if (server !== undefined) return `No catalog file is named \`${server}\`: servers in the catalog are ${catalog.servers.map((s) => `\`${s}\``).join(", ") || "none"}.`;
  const prefix = entry.split(/[*?]/)[0] ?? "";
  const near = catalog.names().filter((n) => prefix.length > 2 && n.startsWith(prefix.slice(0, Math.max(3, prefix.length - 2)))).slice(0, 3);
  return near.length ? `Tools with a similar prefix: ${near.map((n) => `\`${n}\``).join(", ")}.` : "Check the prefix against the catalog, or remove the pattern.";
}

function limitFindings(file: string, m: Manifest, locate: Locator, ctx: CheckContext, requiredCount: number): Finding[] {
  const out: Finding[] = [];
  const g = ctx.limits;
  if (m.limits.max_tools !== undefined && m.limits.max_tools > g.max_tools) {
    out.push(makeFinding(file, locate(["limits", "max_tools"], "value"), "error", "limits-looser-than-global", `limits.max_tools is ${m.limits.max_tools}, above the global limit of ${g.max_tools}.`, "A manifest may only tighten the global limits: they exist because clients cap the tool count and accuracy falls past it.", [`Set limits.max_tools to at most ${g.max_tools}, or raise the global limit in apprentice-tools.yml.`]));
  }
  if (m.limits.max_tokens !== undefined && g.max_tokens !== null && m.limits.max_tokens > g.max_tokens) {
    out.push(makeFinding(file, locate(["limits", "max_tokens"], "value"), "error", "limits-looser-than-global", `limits.max_tokens is ${m.limits.max_tokens}, above the global limit of ${g.max_tokens}.`, "A manifest may only tighten the global limits.", [`Set limits.max_tokens to at most ${g.max_tokens}.`]));
  }
  const maxTools = Math.min(g.max_tools, m.limits.max_tools ?? g.max_tools);
  const capacity = Math.max(0, maxTools - g.safety_margin);
  if (requiredCount > capacity) {
    out.push(makeFinding(file, locate(["required_tools"], "key"), "error", "required-over-limit", `${requiredCount} required tools, but only ${capacity} fit (max_tools ${maxTools} − safety_margin ${g.safety_margin}).`, "Required tools past the limit cannot be given, so the apprentice would start without tools it cannot work without.", [`Move ${requiredCount - capacity} of them to optional_tools, or raise max_tools.`]));
  }
  if (m.limits.max_tokens !== undefined && !ctx.catalog) {
    out.push(makeFinding(file, locate(["limits", "max_tokens"], "value"), "notice", "tokens-unchecked", "limits.max_tokens is set but there is no catalog, so token costs are unknown and the budget is not enforced.", "Token estimates come from the tool definitions in the catalog.", ["Add a catalog (`catalog:` in apprentice-tools.yml, or `apprentice-tools catalog refresh`)."]));
  }
  return out;
}
