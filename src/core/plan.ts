import type { Catalog, CatalogTool } from "./catalog.js";
import type { GlobalLimits } from "./config-schema.js";
import type { Finding } from "./finding.js";
import type { CheckedManifest } from "./manifest-check.js";
import { typeOf } from "./manifest-check.js";
import type { Manifest } from "./manifest-schema.js";
import { firstMatch, isPattern } from "./patterns.js";
import { provision, type Candidate, type Exclusion, type ToolSource } from "./provision.js";

/** One apprentice in the plan (DESIGN §5). */
export interface ApprenticePlan {
  apprentice_type: string;
  file: string;
  status: "ok" | "degraded" | "invalid";
  tools: string[];
  excluded: Exclusion[];
  substitutions: { tool: string; with: string }[];
  capacity: { used: number; available: number };
  tokens: number | null;
  /** The token budget that applied, when there was one. */
  max_tokens: number | null;
  /** How each given tool came to be given. */
  sources: Record<string, ToolSource>;
  /** Required tools it will not get. */
  missing_required: string[];
  changes?: PlanChanges;
}

export interface PlanChanges {
  added: string[];
  removed: string[];
}

export interface Plan {
  limits: { max_tools: number; safety_margin: number; max_tokens: number | null };
  apprentices: ApprenticePlan[];
}

export interface PlanOptions {
  limits: GlobalLimits;
  catalog?: Catalog;
  tokensOf?: (tool: CatalogTool) => number;
  rank?: (candidates: readonly Candidate[], manifest: Manifest) => Candidate[];
  /**
   * Use the entries checkers made beforehand (`CheckedManifest.planned`). Only for the
   * limits and catalog those checks were made under, and without `rank`.
   */
  reusePlanned?: boolean;
}

/**
 * A plan entry made by whoever checked the file (a worker thread, or an earlier run
 * whose results were kept), under the same limits and catalog and with no task ranking,
 * so that a plan after a check does not provision every manifest again. It is made only
 * when no token budget applies, as tokens are counted later (the check does not load the
 * tokenizer): the token count is the one part left to add.
 */
export interface PlannedEntry {
  /** Whether the file's own findings made the entry `invalid`. */
  invalid: boolean;
  /** Catalog indexes (`CatalogTool.index`) of the tools given that the catalog has: their token estimates add up to the entry's `tokens`. */
  toolIndexes: number[];
  /** The entry as `plan --format json` writes it, up to its token count, in UTF-8 (see `writeApprenticeJsonHead`). */
  readonly head: Uint8Array;
}

/** `PlannedEntry.toolIndexes` of a plan entry. */
export function toolIndexesOf(entry: ApprenticePlan, catalog: Catalog | undefined): number[] {
  const out: number[] = [];
  if (!catalog) return out;
  for (const tool of entry.tools) {
    const known = catalog.get(tool);
    if (known) out.push(known.index);
  }
  return out;
}

/** The JSON head of a reused entry (`PlannedEntry.head`), for writers that can use it as it is. */
export const PLANNED_JSON: unique symbol = Symbol("planned JSON");

export type ReusedApprenticePlan = ApprenticePlan & { readonly [PLANNED_JSON]?: Uint8Array };

/**
 * Errors about what the catalog offers today rather than about the manifest itself: a
 * required tool no server has leaves the apprentice `degraded`, not its manifest
 * `invalid` (DESIGN §4: invalid only "where it is a contradiction").
 */
const AVAILABILITY_ERRORS: ReadonlySet<string> = new Set(["required-unknown"]);

export function makesInvalid(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error" && !AVAILABILITY_ERRORS.has(f.code));
}

/** Provisions one manifest into its plan entry. */
export function planApprentice(m: Manifest, file: string, findings: readonly Finding[], opts: PlanOptions): ApprenticePlan {
  return planEntry(m, file, makesInvalid(findings), opts);
}

/** planApprentice, told whether the manifest's findings make it invalid (`makesInvalid`) rather than given them. */
export function planEntry(m: Manifest, file: string, invalid: boolean, opts: PlanOptions): ApprenticePlan {
  const r = provision(m, opts);
  const status = invalid ? "invalid" : r.missingRequired.length > 0 ? "degraded" : "ok";
  return {
    apprentice_type: m.apprentice_type,
    file,
    status,
    tools: r.tools,
    excluded: r.excluded,
    substitutions: r.substitutions,
    capacity: r.capacity,
    tokens: r.tokens,
    max_tokens: r.maxTokens,
    // Made when first read (see ProvisionResult.sources).
    get sources() {
      return r.sources;
    },
    missing_required: r.missingRequired,
  };
}

/**
 * The provisioning plan of every apprentice whose manifest could be read, in
 * apprentice-type order. `findingsByFile` decides which are `invalid`.
 */
export function buildPlan(checked: readonly CheckedManifest[], findingsByFile: ReadonlyMap<string, readonly Finding[]>, opts: PlanOptions): Plan {
  return { limits: planLimits(opts), apprentices: planEntries(checked, findingsByFile, opts, (c, type, planned, findings) => reusedEntry(c, type, planned, findings, opts)) };
}

/** An entry made beforehand, as a JSON writer needs it and nothing else would (see buildPlanForJson). */
export interface PlannedJsonEntry {
  apprentice_type: string;
  tokens: number | null;
  changes?: undefined;
  readonly [PLANNED_JSON]: Uint8Array;
}

/** A plan to write as JSON: entries made beforehand stay their JSON. */
export interface PlanForJson {
  limits: Plan["limits"];
  apprentices: (ApprenticePlan | PlannedJsonEntry)[];
}

/**
 * buildPlan for a JSON writer only (a check keeping the plan that usually follows): an
 * entry made beforehand is its JSON and token count, not a plan entry that could be
 * provisioned again (which takes ~8 µs an entry to make, for ten thousand apprentices).
 */
export function buildPlanForJson(checked: readonly CheckedManifest[], findingsByFile: ReadonlyMap<string, readonly Finding[]>, opts: PlanOptions): PlanForJson {
  return { limits: planLimits(opts), apprentices: planEntries<ApprenticePlan | PlannedJsonEntry>(checked, findingsByFile, opts, (_, type, planned) => ({ apprentice_type: type, tokens: plannedTokens(planned, opts), [PLANNED_JSON]: planned.head })) };
}

function planLimits(opts: PlanOptions): Plan["limits"] {
  return { max_tools: opts.limits.max_tools, safety_margin: opts.limits.safety_margin, max_tokens: opts.limits.max_tokens };
}

/** The entries of every apprentice whose manifest could be read (the first file of each type), in apprentice-type order; `reused` makes those made beforehand. */
function planEntries<T extends { apprentice_type: string }>(
  checked: readonly CheckedManifest[],
  findingsByFile: ReadonlyMap<string, readonly Finding[]>,
  opts: PlanOptions,
  reused: (c: CheckedManifest, type: string, planned: PlannedEntry, findings: readonly Finding[]) => T,
): (T | ApprenticePlan)[] {
  const apprentices: (T | ApprenticePlan)[] = [];
  const seen = new Set<string>();
  for (const c of checked) {
    const type = typeOf(c);
    if (type === undefined || seen.has(type)) continue;
    seen.add(type);
    const findings = findingsByFile.get(c.file) ?? c.findings;
    const planned = opts.reusePlanned && !opts.rank ? c.planned : undefined;
    if (planned && planned.invalid === makesInvalid(findings)) {
      apprentices.push(reused(c, type, planned, findings));
      continue;
    }
    if (c.manifest) apprentices.push(planApprentice(c.manifest, c.file, findings, opts));
  }
  apprentices.sort((a, b) => (a.apprentice_type < b.apprentice_type ? -1 : a.apprentice_type > b.apprentice_type ? 1 : 0));
  return apprentices;
}

/** The token count of an entry made beforehand: its tools' estimates added up (null without estimates). */
function plannedTokens(planned: PlannedEntry, opts: PlanOptions): number | null {
  const { catalog, tokensOf } = opts;
  if (!catalog || !tokensOf) return null;
  let tokens = 0;
  for (const index of planned.toolIndexes) {
    const known = catalog.tools[index];
    if (known) tokens += tokensOf(known);
  }
  return tokens;
}

/**
 * An entry made beforehand: its name, file and token count are read at once, the rest is
 * provisioned again only if something asks for it (a text rendering, a diff); a JSON
 * writer uses its text as it is.
 */
function reusedEntry(c: CheckedManifest, type: string, planned: PlannedEntry, findings: readonly Finding[], opts: PlanOptions): ApprenticePlan {
  const tokens = plannedTokens(planned, opts);
  let full: ApprenticePlan | undefined;
  const entry = (): ApprenticePlan => {
    if (full) return full;
    const m = c.manifest;
    if (!m) throw new Error(`${c.file}: the manifest behind a reused plan entry cannot be read again.`);
    return (full = planApprentice(m, c.file, findings, opts));
  };
  const out = {
    apprentice_type: type,
    file: c.file,
    tokens,
    get status() {
      return entry().status;
    },
    get tools() {
      return entry().tools;
    },
    get excluded() {
      return entry().excluded;
    },
    get substitutions() {
      return entry().substitutions;
    },
    get capacity() {
      return entry().capacity;
    },
    get max_tokens() {
      return entry().max_tokens;
    },
    get sources() {
      return entry().sources;
    },
    get missing_required() {
      return entry().missing_required;
    },
  };
  Object.defineProperty(out, PLANNED_JSON, { value: planned.head, enumerable: false });
  return out;
}

/** What changes for one apprentice between two plans. */
export interface ApprenticeDiff {
  apprentice_type: string;
  kind: "added" | "removed" | "changed" | "unchanged";
  added: string[];
  removed: string[];
  /** Why each removed tool went: its exclusion at head (or "apprentice removed"). */
  removedWhy: Record<string, string>;
  /** Why each added tool came: its source at head. */
  addedWhy: Record<string, string>;
  before?: ApprenticePlan;
  after?: ApprenticePlan;
}

export interface PlanDiff {
  apprentices: ApprenticeDiff[];
  changed: string[];
}

export function describeSource(source: ToolSource | undefined): string {
  if (!source) return "";
  if (source.kind === "required") return "required";
  if (source.kind === "alternative") return `alternative to ${source.for}`;
  return isPattern(source.entry) ? `optional (${source.entry})` : "optional";
}

export function describeExclusion(e: Exclusion | undefined): string {
  if (!e) return "no longer listed";
  const reason = e.reason.replace(/_/g, " ");
  return e.detail ? `${reason}: ${e.detail}` : reason;
}

/**
 * What a diff may ask of the head's manifests: an apprentice type's forbidden entries, and
 * the catalog (for a tool's server). A tool taken off a list and forbidden in the same
 * change is not considered at head, so it has no exclusion to tell why it went.
 */
export interface DiffContext {
  forbidden(type: string): readonly string[] | undefined;
  catalog?: Catalog;
}

/** A DiffContext over checked manifests; a manifest is read only when a removed tool asks. */
export function diffContextOf(checked: readonly CheckedManifest[], catalog?: Catalog): DiffContext {
  const byType = new Map<string, CheckedManifest>();
  for (const c of checked) if (c.type !== undefined && !byType.has(c.type)) byType.set(c.type, c);
  return { forbidden: (type) => byType.get(type)?.manifest?.forbidden_tools, ...(catalog ? { catalog } : {}) };
}

/** Why a tool given at base is not given at head. */
function whyRemoved(tool: string, exclusion: Exclusion | undefined, forbidden: readonly string[] | undefined, catalog: Catalog | undefined): string {
  if (exclusion || !forbidden) return describeExclusion(exclusion);
  const pattern = firstMatch(forbidden, tool, catalog?.get(tool)?.server);
  return describeExclusion(pattern === undefined ? undefined : { tool, reason: "forbidden", detail: pattern });
}

/** A value for each tool, by name: filled without a prototype (a tool may be named `__proto__`), then given the usual one. */
function byTool(tools: readonly string[], value: (tool: string) => string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const t of tools) out[t] = value(t);
  return Object.setPrototypeOf(out, Object.prototype) as Record<string, string>;
}

/** The difference between a base plan and a head plan, apprentice by apprentice. */
export function diffPlans(base: Plan, head: Plan, context?: DiffContext): PlanDiff {
  const before = new Map(base.apprentices.map((a) => [a.apprentice_type, a]));
  const after = new Map(head.apprentices.map((a) => [a.apprentice_type, a]));
  const types = [...new Set([...before.keys(), ...after.keys()])].sort();
  const apprentices: ApprenticeDiff[] = types.map((type) => {
    const b = before.get(type);
    const a = after.get(type);
    const bTools = new Set(b?.tools ?? []);
    const aTools = new Set(a?.tools ?? []);
    const added = (a?.tools ?? []).filter((t) => !bTools.has(t));
    const removed = (b?.tools ?? []).filter((t) => !aTools.has(t));
    const exclusions = new Map((a?.excluded ?? []).map((e) => [e.tool, e]));
    const removedWhy = byTool(removed, (t) => (a ? whyRemoved(t, exclusions.get(t), exclusions.has(t) ? undefined : context?.forbidden(type), context?.catalog) : "apprentice removed"));
    const addedWhy = byTool(added, (t) => describeSource(a?.sources[t]));
    const kind = !b ? "added" : !a ? "removed" : added.length || removed.length || b.status !== a.status ? "changed" : "unchanged";
    const d: ApprenticeDiff = { apprentice_type: type, kind, added, removed, removedWhy, addedWhy };
    if (b) d.before = b;
    if (a) d.after = a;
    return d;
  });
  return { apprentices, changed: apprentices.filter((d) => d.kind !== "unchanged").map((d) => d.apprentice_type) };
}

/** The head plan with DESIGN §5's per-apprentice `changes` against the base. */
export function planWithChanges(base: Plan, head: Plan): Plan {
  const diff = new Map(diffPlans(base, head).apprentices.map((d) => [d.apprentice_type, d]));
  return {
    ...head,
    apprentices: head.apprentices.map((a) => {
      const d = diff.get(a.apprentice_type);
      return { ...a, changes: { added: d?.added ?? [], removed: d?.removed ?? [] } };
    }),
  };
}
