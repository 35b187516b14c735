import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isToolsList, ToolsListSchema } from "../../src/core/catalog.js";

// The one-pass check of a tools/list result never accepts what the zod schema rejects.
const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.string(), { maxKeys: 2, noNullPrototype: true }));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: value });
const tool = fc.record(
  {
    name: maybe(fc.string()),
    title: maybe(fc.string()),
    description: maybe(fc.string()),
    inputSchema: value,
    annotations: maybe(fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 2, noNullPrototype: true })),
    _meta: value,
  },
  { requiredKeys: ["name"], noNullPrototype: true },
);
const toolsList = fc.record({ tools: maybe(fc.array(maybe(tool), { maxLength: 4 })), nextCursor: maybe(fc.string()) }, { requiredKeys: ["tools"], noNullPrototype: true });

describe("isToolsList", () => {
  it("answers true only for what ToolsListSchema accepts", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(toolsList, value), (data) => {
        if (!isToolsList(data)) return;
        accepted++;
        expect(ToolsListSchema.safeParse(data).success).toBe(true);
      }),
      { numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(200);
  });

  it("accepts every well-formed tools/list result (so that catalogs take the fast path)", () => {
    fc.assert(
      fc.property(toolsList, (data) => {
        if (ToolsListSchema.safeParse(data).success) expect(isToolsList(data)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
