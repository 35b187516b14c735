// The straightforward provisioning that src/core/provision.ts was first written as, kept
// as the reference its faster form must always agree with (test/core/provision.property.test.ts).
import type { CatalogTool } from "../../src/core/catalog.js";
import type { Manifest } from "../../src/core/manifest-schema.js";
import { firstMatcher, isPattern } from "../../src/core/patterns.js";
import { effectiveLimits, type Candidate, type Exclusion, type ExclusionReason, type ProvisionOptions, type ProvisionResult, type ToolSource } from "../../src/core/provision.js";

/**
 * Which tools one apprentice gets, and why every other tool considered is left out
 * (DESIGN §4). Deterministic: the same inputs always give the same plan.
 */
export function referenceProvision(m: Manifest, opts: ProvisionOptions): ProvisionResult {
  const { catalog } = opts;
  const { capacity, maxTokens } = effectiveLimits(m, opts.limits);
  // Compiled once: every tool considered is checked against the whole list.
  const forbiddenMatch = firstMatcher(m.forbidden_tools);
  const given = new Set<string>();
  const tools: string[] = [];
  // One line per tool, in the order tools were considered; a real reason replaces `duplicate`.
  const excludedBy = new Map<string, Exclusion>();
  const substitutions: { tool: string; with: string }[] = [];
  // Keyed by tool names that differ from one manifest to the next: built without a
  // prototype (V8 then keeps it a plain hash table instead of deriving a new object
  // shape for every key, which made this the hottest line of a large plan), and given
  // the ordinary prototype once filled.
  const sources = Object.create(null) as Record<string, ToolSource>;
  const missingRequired: string[] = [];
  let tokens = 0;
  const countTokens = catalog !== undefined && opts.tokensOf !== undefined;

  // A tool may be written as listed or as `mcp__<server>__<name>`: both are one tool,
  // given at most once, and forbidden under either name.
  const keyOf = (tool: string, known = catalog?.get(tool)) => known?.qualified ?? tool;
  const exclude = (tool: string, reason: ExclusionReason, detail?: string) => {
    const prior = excludedBy.get(tool);
    if (prior && prior.reason !== "duplicate") return;
    if (given.has(keyOf(tool)) && reason !== "duplicate") return;
    excludedBy.set(tool, detail === undefined ? { tool, reason } : { tool, reason, detail });
  };
  const forbiddenBy = (tool: string, known = catalog?.get(tool)) => (known ? forbiddenMatch(known.name, known.server) : forbiddenMatch(tool));
  const available = (tool: string) => catalog === undefined || catalog.has(tool);
  const costOf = (tool: string, known = catalog?.get(tool)) => {
    if (!countTokens) return 0;
    return known ? (opts.tokensOf as (t: CatalogTool) => number)(known) : 0;
  };
  /** Gives the tool if it fits; says why not otherwise. `known` is its catalog entry, when looked up already. */
  const tryGive = (tool: string, source: ToolSource, known = catalog?.get(tool)): boolean => {
    if (tools.length >= capacity) {
      exclude(tool, "over_limit");
      return false;
    }
    const cost = costOf(tool, known);
    if (countTokens && maxTokens !== null && tokens + cost > maxTokens) {
      exclude(tool, "over_token_budget", `${cost} tokens`);
      return false;
    }
    tokens += cost;
    tools.push(tool);
    given.add(keyOf(tool, known));
    sources[tool] = source;
    return true;
  };
  /** The first alternative that can stand in for `tool`. */
  const alternativeFor = (tool: string): string | undefined =>
    (m.alternatives[tool] ?? []).find((alt) => available(alt) && !forbiddenBy(alt) && !given.has(keyOf(alt)));

  // Step 1: required tools, in order (a tool listed twice is one tool).
  const listedRequired = new Set<string>();
  for (const tool of m.required_tools) {
    if (listedRequired.has(keyOf(tool)) || given.has(keyOf(tool))) {
      exclude(tool, "duplicate", "listed earlier");
      continue;
    }
    listedRequired.add(keyOf(tool));
    if (isPattern(tool)) {
      exclude(tool, "unavailable", "a pattern cannot be a required tool");
      missingRequired.push(tool);
      continue;
    }
    const pattern = forbiddenBy(tool);
    if (pattern) {
      exclude(tool, "forbidden", pattern);
      missingRequired.push(tool);
      continue;
    }
    if (!available(tool)) {
      const alt = alternativeFor(tool);
      exclude(tool, "unavailable", alt ? `replaced by ${alt}` : undefined);
      if (alt && tryGive(alt, { kind: "alternative", for: tool })) substitutions.push({ tool, with: alt });
      else missingRequired.push(tool);
      continue;
    }
    if (!tryGive(tool, { kind: "required" })) missingRequired.push(tool);
  }

  // Step 2: optional entries, patterns expanded, minus forbidden, unavailable and duplicates.
  const candidates: Candidate[] = [];
  const candidateSet = new Set<string>();
  const consider = (tool: string, entry: string, source: ToolSource, catalogTool?: CatalogTool) => {
    // Every caller passes the tool's own catalog entry (catalog.get(t.name) is t).
    const known = catalogTool ?? catalog?.get(tool);
    const key = keyOf(tool, known);
    if (given.has(key) || candidateSet.has(key)) {
      // A second listing of the same name; a pattern re-matching a tool is not one.
      if (entry === tool) exclude(tool, "duplicate", "listed earlier");
      return;
    }
    const pattern = forbiddenBy(tool, known);
    if (pattern) {
      exclude(tool, "forbidden", pattern);
      return;
    }
    candidateSet.add(key);
    const c: Candidate = { tool, entry, source };
    if (catalogTool) c.catalogTool = catalogTool;
    candidates.push(c);
  };
  for (const entry of m.optional_tools) {
    if (isPattern(entry)) {
      if (!catalog) {
        exclude(entry, "unavailable", "no catalog to expand the pattern against");
        continue;
      }
      const matched = catalog.expand(entry);
      if (matched.length === 0) exclude(entry, "unavailable", "the pattern matches no tool in the catalog");
      for (const t of matched) consider(t.name, entry, { kind: "optional", entry }, t);
      continue;
    }
    // A required tool listed again is one tool: its optional listing is a duplicate.
    if (listedRequired.has(keyOf(entry))) {
      exclude(entry, "duplicate", "listed earlier");
      continue;
    }
    if (!available(entry)) {
      if (forbiddenBy(entry)) {
        exclude(entry, "forbidden", forbiddenBy(entry));
        continue;
      }
      const alt = alternativeFor(entry);
      exclude(entry, "unavailable", alt ? `replaced by ${alt}` : undefined);
      if (alt && !candidateSet.has(keyOf(alt))) {
        substitutions.push({ tool: entry, with: alt });
        consider(alt, entry, { kind: "alternative", for: entry }, catalog?.get(alt));
      }
      continue;
    }
    consider(entry, entry, { kind: "optional", entry }, catalog?.get(entry));
  }

  // Step 3: fill while the limits allow.
  const ranked = opts.rank ? opts.rank(candidates, m) : candidates;
  for (const c of ranked) {
    const known = c.catalogTool && c.catalogTool.name === c.tool ? c.catalogTool : catalog?.get(c.tool);
    if (!tryGive(c.tool, c.source, known) && c.source.kind === "alternative") {
      const i = substitutions.findIndex((s) => s.with === c.tool);
      if (i !== -1) substitutions.splice(i, 1);
    }
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
    tokens: countTokens ? tokens : null,
    maxTokens,
  };
}
