import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ApprenticePlan } from "../../src/core/plan.js";
import { apprenticeJson, Utf8Sink, writeApprenticeJsonHead, writeApprenticeJsonTail } from "../../src/core/render-json.js";

// The head a check stores, completed with the token count, is exactly the entry that
// `plan --format json` writes the general way.
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.constantFrom("read_file", 'q"uote', "back\\slash", "new\nline", "tab\t", "\u2028", "</script>"));
const exclusion = fc.record({ tool: text, reason: fc.constantFrom("forbidden", "unavailable", "duplicate", "over_limit", "over_token_budget"), detail: fc.option(text, { nil: undefined }) });
const plan: fc.Arbitrary<ApprenticePlan> = fc.record({
  apprentice_type: text,
  file: text,
  status: fc.constantFrom("ok", "degraded", "invalid"),
  tools: fc.array(text, { maxLength: 6 }),
  excluded: fc.array(exclusion, { maxLength: 4 }).map((list) => list.map(({ detail, ...e }) => (detail === undefined ? e : { ...e, detail }))),
  substitutions: fc.array(fc.record({ tool: text, with: text }), { maxLength: 3 }),
  capacity: fc.record({ used: fc.nat(), available: fc.integer() }),
  tokens: fc.option(fc.nat(), { nil: null }),
  max_tokens: fc.option(fc.nat(), { nil: null }),
  sources: fc.constant({}),
  missing_required: fc.array(text, { maxLength: 2 }),
}) as fc.Arbitrary<ApprenticePlan>;

describe("writeApprenticeJsonHead", () => {
  it("with its token count, is the entry written the general way, in UTF-8", () => {
    fc.assert(
      fc.property(plan, fc.nat({ max: 40 }), (a, spare) => {
        // A small sink, sometimes with bytes before: it grows, and appends where it stands.
        const out = new Utf8Sink(1);
        out.text("x".repeat(spare));
        writeApprenticeJsonHead(a, out);
        writeApprenticeJsonTail(a.tokens, out);
        expect(new TextDecoder().decode(out.copy())).toBe("x".repeat(spare) + apprenticeJson(a));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("Utf8Sink", () => {
  it("jsonString writes what JSON.stringify does, for any text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" })), (s) => {
        const out = new Utf8Sink(2);
        out.jsonString(s);
        expect(new TextDecoder().decode(out.copy())).toBe(JSON.stringify(s));
      }),
      { numRuns: 2000 },
    );
  });
});
