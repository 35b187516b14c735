import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkManifest } from "../../src/core/manifest-check.js";
import { ManifestSchema, parseValidManifest, safeParseManifest } from "../../src/core/manifest-schema.js";
import { planApprentice } from "../../src/core/plan.js";
import { manifestSourceFromBytes } from "../../src/io/repository.js";

// The one-pass reader of valid manifests never disagrees with the zod schema it stands in for.
const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string(), { maxKeys: 2, noNullPrototype: true }));
// A field is absent (records leave keys out), of the right shape, or of any other shape.
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: anyValue });
const names = fc.array(fc.oneof(fc.constantFrom("read_file", "docker_*", "mcp__github"), fc.string({ maxLength: 6 })), { maxLength: 5 });
// Keys of the tool maps, now and then a tool named like a key of Object.prototype (not
// `constructor`, which toStrictEqual reads as the object's class).
const toolKey = fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 6 }) }, { weight: 1, arbitrary: fc.constantFrom("__proto__", "toString", "valueOf") });
const manifest = fc.record(
  {
    apprentice_type: maybe(fc.oneof(fc.constantFrom("reviewer", "a", "python_patterns-2", "Bad", "1x", ""), fc.stringMatching(/^[a-z][a-z0-9_-]{0,66}$/))),
    description: maybe(fc.oneof({ weight: 1, arbitrary: fc.constant("") }, { weight: 6, arbitrary: fc.string({ minLength: 1 }) })),
    specialization: maybe(fc.string()),
    required_tools: maybe(fc.oneof(names, fc.constant(null))),
    optional_tools: maybe(fc.oneof(names, fc.constant(null))),
    forbidden_tools: maybe(fc.oneof(names, fc.constant(null))),
    alternatives: maybe(fc.dictionary(toolKey, maybe(names), { maxKeys: 3, noNullPrototype: true })),
    tool_notes: maybe(fc.dictionary(toolKey, maybe(fc.string()), { maxKeys: 3, noNullPrototype: true })),
    limits: maybe(fc.record({ max_tools: maybe(fc.oneof(fc.integer({ min: -2, max: 60 }), fc.double(), fc.constant(2 ** 53))), max_tokens: maybe(fc.integer({ min: -1, max: 9000 })), extra: maybe(fc.string()) }, { requiredKeys: [], noNullPrototype: true })),
    feedback: maybe(fc.record({ channel: maybe(fc.string()), verbose: maybe(fc.boolean()), other: maybe(fc.string()) }, { requiredKeys: [], noNullPrototype: true })),
    requirements: maybe(names),
    unknown_key: maybe(fc.string()),
  },
  { requiredKeys: [], noNullPrototype: true },
);

describe("parseValidManifest", () => {
  it("answers only for manifests zod accepts, with zod's value", () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(manifest, anyValue), (data) => {
        const fast = parseValidManifest(data);
        const zod = safeParseManifest(data);
        if (fast === undefined) {
          // Not a claim that zod fails: undefined only means "ask zod".
          return;
        }
        answered++;
        expect(zod.success).toBe(true);
        if (zod.success) {
          expect(fast).toStrictEqual(zod.data);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
        }
      }),
      { numRuns: 5000 },
    );
    if (process.env.SHOW_SHARE) console.log("answered", answered);
    // About one run in twenty answers; far fewer would make the comparison vacuous.
    expect(answered).toBeGreaterThan(100);
  });

  it("answers for every manifest zod accepts unchanged (so the fast path is the common path)", () => {
    fc.assert(
      fc.property(manifest, (data) => {
        const zod = ManifestSchema.safeParse(data);
        const plain = JSON.parse(JSON.stringify(data ?? null)) as unknown;
        if (zod.success && JSON.stringify(zod.data) === JSON.stringify(plain)) expect(parseValidManifest(data)).toBeDefined();
      }),
      { numRuns: 3000 },
    );
  });
});

// A tool named `__proto__` lost its alternatives and its note (assigned to
// `{}`, the key set the prototype; zod leaves it out of records altogether).
describe("a tool named __proto__ in alternatives and tool_notes", () => {
  const yaml = (extra: string) => `apprentice_type: reviewer\ndescription: d\nrequired_tools: [__proto__${extra}]\nalternatives:\n  __proto__: [grep]\ntool_notes:\n  __proto__: the note\n  constructor: another\n`;
  it.each([
    ["valid, read in one pass", ""],
    ["with a mistake elsewhere, read by zod", ", 5"],
  ])("keeps them as own keys: %s", (_, extra) => {
    const checked = checkManifest(manifestSourceFromBytes("manifests/reviewer.yaml", new TextEncoder().encode(yaml(extra))), { limits: { max_tools: 50, safety_margin: 5, max_tokens: null }, catalog: undefined });
    const m = checked.manifest;
    expect(Object.entries(m?.alternatives ?? {})).toEqual([["__proto__", ["grep"]]]);
    expect(Object.entries(m?.tool_notes ?? {})).toEqual([
      ["__proto__", "the note"],
      ["constructor", "another"],
    ]);
    expect(Object.getPrototypeOf(m?.alternatives)).toBe(Object.prototype);
    expect(JSON.stringify(m?.tool_notes)).toBe('{"__proto__":"the note","constructor":"another"}');
  });

  it("so the plan gives its alternative when it is unavailable", async () => {
    const { buildCatalog } = await import("../../src/core/catalog.js");
    const catalog = buildCatalog([{ server: "fs", file: "catalog/fs.json", data: ["grep"] }]).catalog;
    const limits = { max_tools: 50, safety_margin: 5, max_tokens: null };
    const checked = checkManifest(manifestSourceFromBytes("manifests/reviewer.yaml", new TextEncoder().encode(yaml(""))), { limits, catalog });
    const plan = planApprentice(checked.manifest as NonNullable<typeof checked.manifest>, checked.file, checked.findings, { limits, catalog });
    expect(plan.tools).toEqual(["grep"]);
    expect(plan.substitutions).toEqual([{ tool: "__proto__", with: "grep" }]);
  });
});
