import fc from "fast-check";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { loadTokenCounter } from "../../src/io/tokenizer.js";

const count = await loadTokenCounter();
const plain = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

describe("the token counter", () => {
  it("counts text as the tokenizer does, when it has no run of 257 characters without a break", () => {
    const word = fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.tuple(word, fc.constantFrom(" ", "\n", ", ", "  ")), { maxLength: 60 }), (parts) => {
        const text = parts.map(([w, sep]) => w + sep).join("");
        expect(count(text)).toBe(plain(text));
      }),
      { numRuns: 200 },
    );
  });

  it("counts a long run (a megabyte of one letter, of punctuation, of blanks) slice by slice, close to the whole", () => {
    // 256 x's are 32 tokens: 3,906 slices of them and one of 64.
    expect(count("x".repeat(1_000_000))).toBe(3906 * 32 + plain("x".repeat(64)));
    expect(count(`Reads ${"x".repeat(600)} and more`)).toBe(plain("Reads ") + 2 * plain("x".repeat(256)) + plain("x".repeat(88)) + plain(" and more"));
    expect(count("-".repeat(100_000))).toBeGreaterThan(0);
    expect(count(" ".repeat(100_000))).toBeGreaterThan(0);
    // Close to the tokenizer on a run it can still count whole.
    const run = "ab".repeat(1000);
    expect(Math.abs(count(run) - plain(run))).toBeLessThanOrEqual(Math.ceil(run.length / 256));
  });

  it("counts a special token's spelling as text", () => {
    expect(count("until <|endoftext|> is")).toBe(plain("until <|endoftext|> is"));
  });
});
