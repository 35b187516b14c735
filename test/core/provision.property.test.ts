import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCatalog, catalogMatcher, type Catalog, type CatalogTool } from "../../src/core/catalog.js";
import type { GlobalLimits } from "../../src/core/config-schema.js";
import type { Manifest } from "../../src/core/manifest-schema.js";
import { bareServerOf, isPattern, matches } from "../../src/core/patterns.js";
import { effectiveLimits, provision, type ProvisionOptions } from "../../src/core/provision.js";
import { rankByTask } from "../../src/core/rank.js";
import { referenceProvision } from "../support/reference-provision.js";

// A reference matcher written from DESIGN §2 alone: `*` any run, `?` one character,
// a bare `mcp__<server>` every tool of that server, case-sensitive; a tool of a known
// server also answers to `mcp__<server>__<name>`.
function referenceGlob(pattern: string): RegExp {
  const body = Array.from(pattern, (ch) => (ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : `\\u{${(ch.codePointAt(0) as number).toString(16)}}`)).join("");
  return new RegExp(`^${body}$`, "u");
}
function referenceBareServer(entry: string): string | undefined {
  if (!entry.startsWith("mcp__") || /[*?]/.test(entry)) return undefined;
  const server = entry.slice("mcp__".length);
  return server !== "" && !server.includes("__") ? server : undefined;
}
function referenceMatches(entry: string, name: string, server?: string): boolean {
  const bare = referenceBareServer(entry);
  if (bare !== undefined) return server === bare || name.startsWith(`mcp__${bare}__`);
  const re = referenceGlob(entry);
  return re.test(name) || (server !== undefined && !name.startsWith("mcp__") && re.test(`mcp__${server}__${name}`));
}

describe("patterns agree with the reference", () => {
  const nameChar = fc.constantFrom("a", "b", "_", ".", "-", ":", "m", "c", "p", "A");
  const prefix = fc.constantFrom("", "", "mcp__", "mcp__a__", "mcp__b_");
  const name = fc.tuple(prefix, fc.string({ unit: nameChar, minLength: 1, maxLength: 7 })).map(([p, s]) => p + s);
  const entry = fc.tuple(prefix, fc.string({ unit: fc.oneof(nameChar, fc.constantFrom("*", "?")), minLength: 0, maxLength: 7 })).map(([p, s]) => p + s);
  const server = fc.option(fc.constantFrom("a", "b", "b_", "_", "A"), { nil: undefined });

  it("matches(entry, name, server) is the reference", () => {
    fc.assert(
      fc.property(entry, name, server, (e, n, s) => {
        expect(matches(e, n, s)).toBe(referenceMatches(e, n, s));
      }),
      { numRuns: 3000 },
    );
  });

  it("catalog expansions and catalogMatcher answer as the reference does", () => {
    const catalogArb = fc.uniqueArray(fc.record({ name, server: fc.constantFrom("a", "b", "b_") }), { selector: (t) => t.name, maxLength: 40 });
    fc.assert(
      fc.property(catalogArb, fc.array(entry, { maxLength: 5 }), fc.array(name, { maxLength: 5 }), (tools, entries, others) => {
        const inputs = ["a", "b", "b_"].map((s) => ({ server: s, file: `${s}.json`, data: tools.filter((t) => t.server === s).map((t) => t.name) }));
        const { catalog } = buildCatalog(inputs);
        const first = (n: string, s?: string) => entries.find((e) => referenceMatches(e, n, s));
        for (const e of entries) expect(catalog.expand(e).map((t) => t.index)).toEqual(catalog.tools.filter((t) => referenceMatches(e, t.name, t.server)).map((t) => t.index));
        const matcher = catalogMatcher(entries, catalog);
        for (const t of catalog.tools) expect(matcher.tool(t)).toBe(first(t.name, t.server));
        for (const n of others) {
          const known = catalog.get(n);
          expect(matcher.name(n)).toBe(known ? first(known.name, known.server) : first(n));
        }
        // Without a catalog, names alone.
        for (const n of others) expect(catalogMatcher(entries, undefined).name(n)).toBe(first(n));
      }),
      { numRuns: 1500 },
    );
  });

  it("bare servers are recognised as the reference says", () => {
    fc.assert(
      fc.property(entry, (e) => {
        expect(bareServerOf(e)).toBe(referenceBareServer(e));
      }),
      { numRuns: 1000 },
    );
  });
});

// Generated manifests and catalogs over a small alphabet, so that names collide,
// patterns overlap and alternatives chain.
const UNIVERSE = ["a", "b", "c", "ab", "ba", "x_a", "x_b", "x_c", "y_a", "y_b"];
const SERVERS = ["s1", "s2", "s3"];
const nameArb = fc.constantFrom(...UNIVERSE, "zz", "q", "mcp__s1__a", "mcp__s2__x_b");
const patternArb = fc.constantFrom("x_*", "*a", "?", "??", "*", "y_?", "mcp__s1", "mcp__s2", "mcp__s1__*", "mcp__s3_*", "*_b");
const entryArb = fc.oneof({ weight: 3, arbitrary: nameArb }, { weight: 2, arbitrary: patternArb });

interface Case {
  manifest: Manifest;
  limits: GlobalLimits;
  catalogTools?: { name: string; server: string; cost: number; description: string }[];
  task: string;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  required: fc.array(nameArb, { maxLength: 6 }),
  optional: fc.array(entryArb, { maxLength: 10 }),
  forbidden: fc.array(entryArb, { maxLength: 4 }),
  alternatives: fc.dictionary(nameArb, fc.array(nameArb, { minLength: 1, maxLength: 3 }), { maxKeys: 4 }),
  manifestLimits: fc.record({ max_tools: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }), max_tokens: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }) }),
  limits: fc.record({ max_tools: fc.integer({ min: 1, max: 14 }), safety_margin: fc.integer({ min: 0, max: 4 }), max_tokens: fc.option(fc.integer({ min: 1, max: 400 }), { nil: null }) }),
  catalogTools: fc.option(
    fc.uniqueArray(fc.record({ name: fc.constantFrom(...UNIVERSE), server: fc.constantFrom(...SERVERS), cost: fc.integer({ min: 1, max: 90 }), description: fc.constantFrom("", "read a file", "search b", "x tool") }), { selector: (t) => t.name, maxLength: UNIVERSE.length }),
    { nil: undefined },
  ),
  task: fc.constantFrom("", "", "read", "search x"),
}).map((r) => {
  const limits: Manifest["limits"] = {};
  if (r.manifestLimits.max_tools !== undefined) limits.max_tools = r.manifestLimits.max_tools;
  if (r.manifestLimits.max_tokens !== undefined) limits.max_tokens = r.manifestLimits.max_tokens;
  const manifest: Manifest = { apprentice_type: "gen", description: "generated", required_tools: r.required, optional_tools: r.optional, forbidden_tools: r.forbidden, alternatives: r.alternatives, tool_notes: { a: "reads things" }, limits, requirements: [] };
  const c: Case = { manifest, limits: r.limits, task: r.task };
  if (r.catalogTools) c.catalogTools = r.catalogTools;
  return c;
});

function setUp(c: Case): { opts: ProvisionOptions; catalog?: Catalog; cost: (t: CatalogTool) => number } {
  const costs = new Map(c.catalogTools?.map((t) => [t.name, t.cost]));
  const cost = (t: CatalogTool) => costs.get(t.name) ?? 0;
  const opts: ProvisionOptions = { limits: c.limits };
  if (c.task) opts.rank = rankByTask(c.task);
  if (!c.catalogTools) return { opts, cost };
  const files = SERVERS.map((server) => ({ server, file: `${server}.json`, data: { tools: (c.catalogTools ?? []).filter((t) => t.server === server).map((t) => ({ name: t.name, description: t.description, inputSchema: { type: "object" } })) } }));
  const { catalog, problems } = buildCatalog(files);
  expect(problems).toEqual([]);
  return { opts: { ...opts, catalog, tokensOf: cost }, catalog, cost };
}

const REASONS = ["forbidden", "unavailable", "duplicate", "over_limit", "over_token_budget"];

describe("provisioning invariants (fast-check)", () => {
  const property = (check: (c: Case) => void) => fc.assert(fc.property(caseArb, check), { numRuns: 500 });

  it("never exceeds the capacity or the token budget", () => {
    property((c) => {
      const { opts, catalog, cost } = setUp(c);
      const r = provision(c.manifest, opts);
      const { capacity, maxTokens } = effectiveLimits(c.manifest, c.limits);
      expect(r.tools.length).toBeLessThanOrEqual(capacity);
      expect(r.capacity).toEqual({ used: r.tools.length, available: capacity });
      if (catalog) {
        const spent = r.tools.reduce((sum, t) => sum + cost(catalog.get(t) as CatalogTool), 0);
        expect(r.tokens).toBe(spent);
        if (maxTokens !== null) expect(spent).toBeLessThanOrEqual(maxTokens);
      } else {
        expect(r.tokens).toBeNull();
      }
    });
  });

  it("never provisions a forbidden tool, under any of its names", () => {
    property((c) => {
      const { opts, catalog } = setUp(c);
      const r = provision(c.manifest, opts);
      for (const tool of r.tools) {
        const known = catalog?.get(tool);
        const names = known ? [known.name, known.qualified] : [tool];
        const hit = c.manifest.forbidden_tools.find((f) => names.some((n) => referenceMatches(f, n, known?.server)));
        expect(hit, `${tool} is forbidden by ${hit}`).toBeUndefined();
      }
    });
  });

  it("places the provided required tools first, in manifest order, and gives each one that can be given", () => {
    property((c) => {
      const { opts, catalog } = setUp(c);
      const r = provision(c.manifest, opts);
      const req = c.manifest.required_tools;
      const requiredIndex = (t: string): number => {
        const s = r.sources[t];
        if (s?.kind === "required") return req.indexOf(t);
        if (s?.kind === "alternative" && req.includes(s.for)) return req.indexOf(s.for);
        return -1;
      };
      const fromRequired = r.tools.filter((t) => requiredIndex(t) !== -1);
      expect(r.tools.slice(0, fromRequired.length)).toEqual(fromRequired);
      const order = fromRequired.map(requiredIndex);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      // With room for every required tool and no token budget, each available, allowed one is given.
      const { capacity, maxTokens } = effectiveLimits(c.manifest, c.limits);
      if (new Set(req).size <= capacity && (maxTokens === null || !catalog)) {
        for (const t of req) {
          const known = catalog?.get(t);
          const forbidden = c.manifest.forbidden_tools.some((f) => (known ? [known.name, known.qualified] : [t]).some((n) => referenceMatches(f, n, known?.server)));
          if ((!catalog || known) && !forbidden) expect(r.tools.map((x) => catalog?.get(x)?.qualified ?? x)).toContain(known?.qualified ?? t);
        }
      }
    });
  });

  it("is deterministic, even with a freshly built catalog", () => {
    property((c) => {
      const first = provision(c.manifest, setUp(c).opts);
      const second = provision(structuredClone(c.manifest), setUp(c).opts);
      expect(second).toEqual(first);
    });
  });

  it("accounts for every tool considered, once, with one of the five reasons", () => {
    property((c) => {
      const { opts, catalog } = setUp(c);
      const r = provision(c.manifest, opts);
      const id = (t: string) => catalog?.get(t)?.qualified ?? t;
      const given = r.tools.map(id);
      const excluded = r.excluded.map((e) => id(e.tool));
      expect(new Set(given).size, "a tool is given once").toBe(given.length);
      for (const e of r.excluded) expect(REASONS).toContain(e.reason);
      for (const e of r.excluded) if (e.reason !== "duplicate") expect(given, `${e.tool} is both given and ${e.reason}`).not.toContain(id(e.tool));
      const considered = [...c.manifest.required_tools];
      for (const entry of c.manifest.optional_tools) {
        const expanded = isPattern(entry) && catalog ? catalog.expand(entry).map((t) => t.name) : [];
        considered.push(...(expanded.length ? expanded : [entry]));
      }
      for (const t of considered) expect([...given, ...excluded], `${t} is neither given nor excluded`).toContain(id(t));
      for (const s of r.substitutions) {
        expect(r.tools).toContain(s.with);
        expect(c.manifest.alternatives[s.tool]).toContain(s.with);
      }
    });
  });
});

describe("the fast provisioning agrees with the reference form", () => {
  it("on generated manifests and catalogs, with and without token budgets and task ranking", () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), (c, withoutTokens) => {
        const { opts } = setUp(c);
        if (withoutTokens) delete opts.tokensOf;
        expect(provision(c.manifest, opts)).toStrictEqual(referenceProvision(c.manifest, opts));
      }),
      { numRuns: 5000 },
    );
  });
});
