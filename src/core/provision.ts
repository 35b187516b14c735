import { catalogMatcher, type Catalog, type CatalogTool } from "./catalog.js";
import type { GlobalLimits } from "./config-schema.js";
import { ownEntry, type Manifest } from "./manifest-schema.js";
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
  /** How each given tool came to be given, by name (made when first read). */
  readonly sources: Record<string, ToolSource>;
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
 * Per-catalog scratch for marking tools by catalog index during one provisioning: a mark
 * holds the epoch of the call that set it, so nothing is cleared between calls and a
 * fleet's ten thousand plans allocate nothing per tool. A nested call (a ranking that
 * provisions) gets marks of its own.
 */
interface Marks {
  epoch: number;
  busy: boolean;
  given: Int32Array;
  candidate: Int32Array;
  /** Exclusions by index: set when `excludedEpoch[i] === epoch`, at `excludedAt[i]` of the list. */
  excludedEpoch: Int32Array;
  excludedAt: Int32Array;
}
const marksByCatalog = new WeakMap<Catalog, Marks>();

function newMarks(size: number): Marks {
  return { epoch: 0, busy: false, given: new Int32Array(size), candidate: new Int32Array(size), excludedEpoch: new Int32Array(size), excludedAt: new Int32Array(size) };
}

function takeMarks(catalog: Catalog | undefined): Marks {
  const size = catalog?.tools.length ?? 0;
  if (!catalog) return newMarks(0);
  let marks = marksByCatalog.get(catalog);
  if (!marks || marks.given.length !== size) marksByCatalog.set(catalog, (marks = newMarks(size)));
  if (marks.busy) return newMarks(size);
  if (marks.epoch >= 0x3fffffff) {
    for (const a of [marks.given, marks.candidate, marks.excludedEpoch]) a.fill(0);
    marks.epoch = 0;
  }
  marks.epoch++;
  marks.busy = true;
  return marks;
}

/**
 * Which tools one apprentice gets, and why every other tool considered is left out
 * (DESIGN §4). Deterministic: the same inputs always give the same plan.
 *
 * A large plan provisions tens of thousands of tools, so each tool is looked up in the
 * catalog once and carried along, tools are marked by catalog index (Marks) rather than
 * kept in sets, sources are shared per entry and put by name only when asked for, and
 * candidates are kept in parallel lists (objects are made only for a task ranking). The first, plainer form of
 * this function is kept as the reference a property test holds it to
 * (test/support/reference-provision.ts).
 */
export function provision(m: Manifest, opts: ProvisionOptions): ProvisionResult {
  const { catalog } = opts;
  const marks = takeMarks(catalog);
  try {
    return provisionWith(m, opts, marks);
  } finally {
    marks.busy = false;
  }
}

function provisionWith(m: Manifest, opts: ProvisionOptions, marks: Marks): ProvisionResult {
  const { catalog } = opts;
  const { capacity, maxTokens } = effectiveLimits(m, opts.limits);
  // Every tool considered is checked against the whole forbidden list.
  const forbiddenMatch = catalogMatcher(m.forbidden_tools, catalog);
  const { epoch } = marks;
  // A tool is one tool under either of its names: catalog tools are marked by index,
  // names the catalog lacks are kept in sets.
  // (made only when such a name comes up: with a catalog, rarely)
  let givenNames: Set<string> | undefined;
  let candidateNames: Set<string> | undefined;
  const isGiven = (tool: string, known: CatalogTool | undefined) => (known !== undefined ? marks.given[known.index] === epoch : givenNames !== undefined && givenNames.has(tool));
  const isCandidate = (tool: string, known: CatalogTool | undefined) => (known !== undefined ? marks.candidate[known.index] === epoch : candidateNames !== undefined && candidateNames.has(tool));
  const tools: string[] = [];
  const toolSources: ToolSource[] = [];
  // One line per tool as written, in the order tools were considered; a real reason
  // replaces `duplicate`. A name written as the catalog lists it is found by index.
  const excluded: Exclusion[] = [];
  let excludedByName: Map<string, number> | undefined;
  const exclusionAt = (tool: string, known: CatalogTool | undefined): number => {
    if (known !== undefined && known.name === tool) return marks.excludedEpoch[known.index] === epoch ? (marks.excludedAt[known.index] as number) : -1;
    return excludedByName?.get(tool) ?? -1;
  };
  const substitutions: { tool: string; with: string }[] = [];
  const missingRequired: string[] = [];
  let tokens = 0;
  const tokensOf = catalog !== undefined ? opts.tokensOf : undefined;

  const lookup = (tool: string): CatalogTool | undefined => (catalog === undefined ? undefined : catalog.get(tool));
  /** The catalog's own string for a name written as the catalog lists it (same text; its hash is known, which later lookups of plan pieces by name use). */
  const canonical = (tool: string, known: CatalogTool | undefined) => (known !== undefined && known.name === tool ? known.name : tool);
  const exclude = (written: string, reason: ExclusionReason, detail: string | undefined, known: CatalogTool | undefined) => {
    const tool = canonical(written, known);
    const at = exclusionAt(tool, known);
    if (at !== -1 && (excluded[at] as Exclusion).reason !== "duplicate") return;
    if (reason !== "duplicate" && tools.length > 0 && isGiven(tool, known)) return;
    const line: Exclusion = detail === undefined ? { tool, reason } : { tool, reason, detail };
    if (at !== -1) {
      excluded[at] = line;
      return;
    }
    if (known !== undefined && known.name === tool) {
      marks.excludedEpoch[known.index] = epoch;
      marks.excludedAt[known.index] = excluded.length;
    } else (excludedByName ??= new Map()).set(tool, excluded.length);
    excluded.push(line);
  };
  const forbiddenBy = (tool: string, known: CatalogTool | undefined) => (known !== undefined ? forbiddenMatch.tool(known) : forbiddenMatch.name(tool));
  const available = (known: CatalogTool | undefined) => catalog === undefined || known !== undefined;
  /** Gives the tool if it fits; says why not otherwise. */
  const tryGive = (written: string, source: ToolSource, known: CatalogTool | undefined): boolean => {
    const tool = canonical(written, known);
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
    toolSources.push(source);
    if (known !== undefined) marks.given[known.index] = epoch;
    else (givenNames ??= new Set()).add(tool);
    return true;
  };
  /** The first alternative that can stand in for `tool`. */
  const alternativeFor = (tool: string): string | undefined => {
    for (const alt of ownEntry(m.alternatives, tool) ?? []) {
      const known = lookup(alt);
      if (available(known) && !forbiddenBy(alt, known) && !isGiven(alt, known)) return alt;
    }
    return undefined;
  };

  // Step 1: required tools, in order. A tool listed twice is one tool (given, substituted or
  // missing once), under either of its names.
  const required: ToolSource = { kind: "required" };
  const listedRequired = new Set<string>();
  for (const tool of m.required_tools) {
    const known = lookup(tool);
    const key = known !== undefined ? known.qualified : tool;
    if (listedRequired.has(key) || isGiven(tool, known)) {
      exclude(tool, "duplicate", "listed earlier", known);
      continue;
    }
    listedRequired.add(key);
    // A catalog name is not a pattern unless it looks like a bare server (`mcp__x`).
    if ((known === undefined || tool.startsWith("mcp__")) && isPattern(tool)) {
      exclude(tool, "unavailable", "a pattern cannot be a required tool", known);
      missingRequired.push(tool);
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
  const consider = (tool: string, entry: string, source: ToolSource, known: CatalogTool | undefined) => {
    if (isCandidate(tool, known) || isGiven(tool, known)) {
      // A second listing of the same name; a pattern re-matching a tool is not one.
      if (entry === tool) exclude(tool, "duplicate", "listed earlier", known);
      return;
    }
    const pattern = forbiddenBy(tool, known);
    if (pattern) {
      exclude(tool, "forbidden", pattern, known);
      return;
    }
    if (known !== undefined) marks.candidate[known.index] = epoch;
    else (candidateNames ??= new Set()).add(tool);
    cTool.push(tool);
    cEntry.push(entry);
    cSource.push(source);
    cKnown.push(known);
  };
  for (const entry of m.optional_tools) {
    const known = lookup(entry);
    if ((known === undefined || entry.startsWith("mcp__")) && isPattern(entry)) {
      if (!catalog) {
        exclude(entry, "unavailable", "no catalog to expand the pattern against", undefined);
        continue;
      }
      const matched = catalog.expand(entry);
      if (matched.length === 0) exclude(entry, "unavailable", "the pattern matches no tool in the catalog", known);
      const source: ToolSource = { kind: "optional", entry };
      for (const t of matched) consider(t.name, entry, source, t);
      continue;
    }
    // A required tool listed again is one tool: whether it was given, substituted or left
    // out, its optional listing is a duplicate (and not, say, substituted a second time).
    if (listedRequired.has(known !== undefined ? known.qualified : entry)) {
      exclude(entry, "duplicate", "listed earlier", known);
      continue;
    }
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
        if (!isCandidate(alt, altKnown)) {
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

  let sources: Record<string, ToolSource> | undefined;
  return {
    tools,
    excluded,
    substitutions,
    // Made when asked for (a text plan, a diff): a plan in JSON never reads it.
    get sources() {
      return (sources ??= sourcesOf(tools, toolSources));
    },
    missingRequired,
    capacity: { used: tools.length, available: capacity },
    tokens: tokensOf !== undefined ? tokens : null,
    maxTokens,
  };
}

/** Each given tool's source, by name. */
function sourcesOf(tools: readonly string[], toolSources: readonly ToolSource[]): Record<string, ToolSource> {
  // Keyed by tool names, any of which may be `__proto__`: filled without a prototype, then given the usual one.
  const out = Object.create(null) as Record<string, ToolSource>;
  for (let i = 0; i < tools.length; i++) out[tools[i] as string] = toolSources[i] as ToolSource;
  return Object.setPrototypeOf(out, Object.prototype) as Record<string, ToolSource>;
}
