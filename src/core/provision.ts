import { catalogMatcher, type Catalog, type CatalogTool } from "./catalog.js";
import type { GlobalLimits } from "./config-schema.js";
import type { Manifest } from "./manifest-schema.js";
import { isPattern } from "./patterns.js";

/** Why a tool considered for an apprentice was not given (DESIGN §4). */
export type ExclusionReason = "forbidden" | "unavailable" | "duplicate" | "over_limit" | "over_token_budget";

export interface Exclusion {
  tool: string;
  reason: ExclusionReason;
  /** The forbidden pattern, the entry it came from… whatever explains the reason. */
  detail?: string;
}

/** How a provisioned tool came to be given. */
export type ToolSource =
  | { kind: "required" }
  | { kind: "optional"; entry: string }
  | { kind: "alternative"; for: string };

export interface ProvisionResult {
  tools: string[];
  excluded: Exclusion[];
  substitutions: { tool: string; with: string }[];
  sources: Record<string, ToolSource>;
  /** Required tools that could not be given. */
  missingRequired: string[];
  capacity: { used: number; available: number };
  tokens: number | null;
  maxTokens: number | null;
}

export interface ProvisionOptions {
  limits: GlobalLimits;
  catalog?: Catalog;
  /** Token cost of one tool's definition (only used with a catalog). */
  tokensOf?: (tool: CatalogTool) => number;
  /**
   * Optional entries' order for this task: a ranking function returning the optional
   * candidates reordered (stable ties). Without it, manifest order.
   */
  rank?: (candidates: readonly Candidate[], manifest: Manifest) => Candidate[];
}

export interface Candidate {
  tool: string;
  /** The manifest entry it came from (a name, or the pattern that expanded to it). */
  entry: string;
  source: ToolSource;
  catalogTool?: CatalogTool;
}

/** The limits that apply to one apprentice: the global ones, tightened by its manifest. */
export function effectiveLimits(m: Manifest, limits: GlobalLimits): { maxTools: number; capacity: number; maxTokens: number | null } {
  const maxTools = Math.min(limits.max_tools, m.limits.max_tools ?? limits.max_tools);
  const tokenCaps = [limits.max_tokens, m.limits.max_tokens].filter((n): n is number => typeof n === "number");
  return { maxTools, capacity: Math.max(0, maxTools - limits.safety_margin), maxTokens: tokenCaps.length ? Math.min(...tokenCaps) : null };
}

/**
 * Which tools one apprentice gets, and why every other tool considered is left out
 * (DESIGN §4). Deterministic: the same inputs always give the same plan.
 *
 * A large plan provisions tens of thousands of tools, so each tool is looked up in the
 * catalog once and carried along, sources are shared per entry, and candidates are kept
 * in parallel lists (objects are made only for a task ranking). The first, plainer form of
 * this function is kept as the reference a property test holds it to
 * (test/support/reference-provision.ts).
 */
export function provision(m: Manifest, opts: ProvisionOptions): ProvisionResult {
  const { catalog } = opts;
  const { capacity, maxTokens } = effectiveLimits(m, opts.limits);
  // Compiled once: every tool considered is checked against the whole list.
  const forbiddenMatch = catalogMatcher(m.forbidden_tools, catalog);
  /** Keys (catalog tools' qualified names, else the name) of tools given. */
  const given = new Set<string>();
  const tools: string[] = [];
  // One line per tool, in the order tools were considered; a real reason replaces `duplicate`.
  const excludedBy = new Map<string, Exclusion>();
  const substitutions: { tool: string; with: string }[] = [];
  // Keyed by tool names that differ from one manifest to the next: built without a
  // prototype (V8 then keeps it a plain hash table instead of deriving a new object
  // shape for every key), and given the ordinary prototype once filled.
  const sources = Object.create(null) as Record<string, ToolSource>;
  const missingRequired: string[] = [];
  let tokens = 0;
  const tokensOf = catalog !== undefined ? opts.tokensOf : undefined;

  // A tool may be written as listed or as `mcp__<server>__<name>`: both are one tool,
  // given at most once, and forbidden under either name.
  const lookup = (tool: string): CatalogTool | undefined => (catalog === undefined ? undefined : catalog.get(tool));
  const keyOf = (tool: string, known: CatalogTool | undefined) => (known === undefined ? tool : known.qualified);
  const exclude = (tool: string, reason: ExclusionReason, detail: string | undefined, known: CatalogTool | undefined) => {
    const prior = excludedBy.get(tool);
    if (prior !== undefined && prior.reason !== "duplicate") return;
    if (reason !== "duplicate" && given.size > 0 && given.has(keyOf(tool, known))) return;
    excludedBy.set(tool, detail === undefined ? { tool, reason } : { tool, reason, detail });
  };
  const forbiddenBy = (tool: string, known: CatalogTool | undefined) => (known !== undefined ? forbiddenMatch.tool(known) : forbiddenMatch.name(tool));
  const available = (known: CatalogTool | undefined) => catalog === undefined || known !== undefined;
  /** Gives the tool if it fits; says why not otherwise. */
  const tryGive = (tool: string, source: ToolSource, known: CatalogTool | undefined): boolean => {
    if (tools.length >= capacity) {
      exclude(tool, "over_limit", undefined, known);
      return false;
    }
    const cost = tokensOf !== undefined && known !== undefined ? tokensOf(known) : 0;
    if (tokensOf !== undefined && maxTokens !== null && tokens + cost > maxTokens) {
      exclude(tool, "over_token_budget", `${cost} tokens`, known);
      return false;
    }
    tokens += cost;
    tools.push(tool);
    given.add(keyOf(tool, known));
    sources[tool] = source;
    return true;
  };
  /** The first alternative that can stand in for `tool`. */
  const alternativeFor = (tool: string): string | undefined => {
    for (const alt of m.alternatives[tool] ?? []) {
      const known = lookup(alt);
      if (available(known) && !forbiddenBy(alt, known) && !given.has(keyOf(alt, known))) return alt;
    }
    return undefined;
  };

  // Step 1: required tools, in order.
  const required: ToolSource = { kind: "required" };
  for (const tool of m.required_tools) {
    if (isPattern(tool)) {
      exclude(tool, "unavailable", "a pattern cannot be a required tool", undefined);
      missingRequired.push(tool);
      continue;
    }
    const known = lookup(tool);
    if (given.has(keyOf(tool, known))) {
      exclude(tool, "duplicate", "listed earlier", known);
      continue;
    }
    const pattern = forbiddenBy(tool, known);
    if (pattern) {
      exclude(tool, "forbidden", pattern, known);
      missingRequired.push(tool);
      continue;
    }
    if (!available(known)) {
      const alt = alternativeFor(tool);
      exclude(tool, "unavailable", alt ? `replaced by ${alt}` : undefined, known);
      if (alt && tryGive(alt, { kind: "alternative", for: tool }, lookup(alt))) substitutions.push({ tool, with: alt });
      else missingRequired.push(tool);
      continue;
    }
    if (!tryGive(tool, required, known)) missingRequired.push(tool);
  }

  // Step 2: optional entries, patterns expanded, minus forbidden, unavailable and duplicates.
  // Candidates as parallel lists: name, manifest entry, source, catalog entry.
  const cTool: string[] = [];
  const cEntry: string[] = [];
  const cSource: ToolSource[] = [];
  const cKnown: (CatalogTool | undefined)[] = [];
  const candidateSet = new Set<string>();
  const consider = (tool: string, entry: string, source: ToolSource, known: CatalogTool | undefined) => {
    const key = keyOf(tool, known);
    if (candidateSet.has(key) || given.has(key)) {
      // A second listing of the same name; a pattern re-matching a tool is not one.
      if (entry === tool) exclude(tool, "duplicate", "listed earlier", known);
      return;
    }
    const pattern = forbiddenBy(tool, known);
    if (pattern) {
      exclude(tool, "forbidden", pattern, known);
      return;
    }
    candidateSet.add(key);
    cTool.push(tool);
    cEntry.push(entry);
    cSource.push(source);
    cKnown.push(known);
  };
  for (const entry of m.optional_tools) {
    if (isPattern(entry)) {
      if (!catalog) {
        exclude(entry, "unavailable", "no catalog to expand the pattern against", undefined);
        continue;
      }
      const matched = catalog.expand(entry);
      if (matched.length === 0) exclude(entry, "unavailable", "the pattern matches no tool in the catalog", undefined);
      const source: ToolSource = { kind: "optional", entry };
      for (const t of matched) consider(t.name, entry, source, t);
      continue;
    }
    const known = lookup(entry);
    if (!available(known)) {
      const pattern = forbiddenBy(entry, known);
      if (pattern) {
        exclude(entry, "forbidden", pattern, known);
        continue;
      }
      const alt = alternativeFor(entry);
      exclude(entry, "unavailable", alt ? `replaced by ${alt}` : undefined, known);
      if (alt) {
        const altKnown = lookup(alt);
        if (!candidateSet.has(keyOf(alt, altKnown))) {
          substitutions.push({ tool: entry, with: alt });
          consider(alt, entry, { kind: "alternative", for: entry }, altKnown);
        }
      }
      continue;
    }
    consider(entry, entry, { kind: "optional", entry }, known);
  }

  // Step 3: fill while the limits allow, in manifest order or the task's ranking.
  const give = (tool: string, source: ToolSource, known: CatalogTool | undefined) => {
    if (!tryGive(tool, source, known) && source.kind === "alternative") {
      const s = substitutions.findIndex((x) => x.with === tool);
      if (s !== -1) substitutions.splice(s, 1);
    }
  };
  if (opts.rank) {
    const candidates: Candidate[] = cTool.map((tool, i) => {
      const c: Candidate = { tool, entry: cEntry[i] as string, source: cSource[i] as ToolSource };
      const known = cKnown[i];
      if (known !== undefined) c.catalogTool = known;
      return c;
    });
    for (const c of opts.rank(candidates, m)) give(c.tool, c.source, c.catalogTool !== undefined && c.catalogTool.name === c.tool ? c.catalogTool : lookup(c.tool));
  } else {
    for (let i = 0; i < cTool.length; i++) give(cTool[i] as string, cSource[i] as ToolSource, cKnown[i]);
  }

  const excluded = [...excludedBy.values()];
  Object.setPrototypeOf(sources, Object.prototype);
  return {
    tools,
    excluded,
    substitutions,
    sources,
    missingRequired,
    capacity: { used: tools.length, available: capacity },
    tokens: tokensOf !== undefined ? tokens : null,
    maxTokens,
  };
}
