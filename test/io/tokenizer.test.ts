import fc from "fast-check";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import { loadTokenCounter, mayHoldLongPreToken } from "../../src/io/tokenizer.js";

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

  it("counts a tool's JSON whole, though it runs for hundreds of characters without a space", () => {
    // Letters, quotes, colons and braces alternate: every pre-token is short, so nothing is sliced.
    const properties = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field_${i}`, { type: i % 2 ? "string" : "integer" }]));
    const json = JSON.stringify({ name: "db_query", description: "", input_schema: { type: "object", properties, required: ["field_1"] } });
    expect(json).toMatch(/\S{1000,}/);
    expect(mayHoldLongPreToken(json)).toBe(false);
    expect(count(json)).toBe(plain(json));
  });

  it("looks for long runs conservatively: any text the tokenizer splits into a pre-token of 257 characters or more is seen", () => {
    // cl100k_base's pre-tokenizer (the pattern tiktoken publishes); a pre-token is where byte-pair encoding is quadratic.
    const SPLIT = /'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s/gu;
    const longest = (text: string) => Math.max(0, ...Array.from(text.matchAll(SPLIT), (m) => m[0].length));
    const piece = fc.tuple(fc.constantFrom("a", "Z", "é", "中", "-", "\"", "{", " ", "\n", "\r", "\t", "7", "'s", "\u00a0", "\u2028", "😀"), fc.integer({ min: 1, max: 300 }));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const text = pieces.map(([s, n]) => s.repeat(n)).join("");
        if (longest(text) > 256) expect(mayHoldLongPreToken(text)).toBe(true);
        if (!mayHoldLongPreToken(text)) expect(count(text)).toBe(plain(text));
      }),
      { numRuns: 300 },
    );
  });

  it("counts a special token's spelling as text", () => {
    expect(count("until <|endoftext|> is")).toBe(plain("until <|endoftext|> is"));
  });
});
