import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManifestSchema, parseValidManifest } from "../../src/core/manifest-schema.js";

// The one-pass reader of valid manifests never disagrees with the zod schema it stands in for.
const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 4 }), fc.string(), { maxKeys: 2, noNullPrototype: true }));
// A field is absent (records leave keys out), of the right shape, or of any other shape.
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: anyValue });
const names = fc.array(fc.oneof(fc.constantFrom("read_file", "docker_*", "mcp__github"), fc.string({ maxLength: 6 })), { maxLength: 5 });
const manifest = fc.record(
  {
    apprentice_type: maybe(fc.oneof(fc.constantFrom("reviewer", "a", "python_patterns-2", "Bad", "1x", ""), fc.stringMatching(/^[a-z][a-z0-9_-]{0,66}$/))),
    description: maybe(fc.oneof({ weight: 1, arbitrary: fc.constant("") }, { weight: 6, arbitrary: fc.string({ minLength: 1 }) })),
    specialization: maybe(fc.string()),
    required_tools: maybe(fc.oneof(names, fc.constant(null))),
    optional_tools: maybe(fc.oneof(names, fc.constant(null))),
    forbidden_tools: maybe(fc.oneof(names, fc.constant(null))),
    alternatives: maybe(fc.dictionary(fc.string({ maxLength: 6 }), maybe(names), { maxKeys: 3, noNullPrototype: true })),
    tool_notes: maybe(fc.dictionary(fc.string({ maxLength: 6 }), maybe(fc.string()), { maxKeys: 3, noNullPrototype: true })),
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
        const zod = ManifestSchema.safeParse(data);
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
