import fc from "fast-check";
import { distance } from "fastest-levenshtein";
import { describe, expect, it } from "vitest";
import { didYouMean } from "../../src/core/did-you-mean.js";

const KEYS = ["apprentice_type", "description", "required_tools", "optional_tools", "forbidden_tools", "tool_notes", "limits"];
const TOOLS = ["read_file", "write_file", "grep", "glob", "bash", "edit_file"];

describe("didYouMean", () => {
  it.each<[input: string, candidates: string[], guess: string | undefined]>([
    ["requried_tools", KEYS, "required_tools"],
    ["optinal_tools", KEYS, "optional_tools"],
    ["Description", KEYS, "description"],
    ["limit", KEYS, "limits"],
    ["grpe", TOOLS, "grep"],
    ["globb", TOOLS, "glob"],
    ["read_fiel", TOOLS, "read_file"],
    ["colour", KEYS, undefined],
    ["web_search", TOOLS, undefined],
    ["grep", TOOLS, undefined],
    ["xyz", [], undefined],
    ["key", ["\u212Aey", "kes"], "\u212Aey"],
    ["i\u0307stanbul", ["\u0130stanbul", "istanbu"], "\u0130stanbul"],
  ])("%s → %s", (input, candidates, guess) => {
    expect(didYouMean(input, candidates)).toBe(guess);
  });
});

/** didYouMean as it was before the filter (found by fuzzing to take 17 s over 19,000 long names), kept as the reference. */
function reference(input: string, candidates: Iterable<string>): string | undefined {
  const budget = Math.min(4, Math.max(1, Math.floor(input.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = input.toLowerCase();
  for (const candidate of candidates) {
    if (candidate === input) continue;
    if (Math.abs(candidate.length - input.length) > budget) continue;
    const d = candidate.toLowerCase() === lower ? 0.5 : isTransposition(input, candidate) ? 1 : distance(input, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= budget ? best : undefined;
}

function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

describe("didYouMean against the full distance", () => {
  // Tool names as catalogs have them: a few words joined by `_`, from a small stock so that
  // names share parts, and the typos people make of them.
  const word = fc.constantFrom("get", "list", "create", "delete", "issue", "issues", "file", "files", "read", "write", "pr", "repo", "search", "git", "log", "browser", "click", "a", "b");
  const toolName = fc.array(word, { minLength: 1, maxLength: 4 }).map((ws) => ws.join("_"));
  const catalog = fc.array(toolName, { maxLength: 60 });
  const typo = (name: string) =>
    fc.array(fc.tuple(fc.constantFrom("delete", "insert", "replace", "swap", "upper"), fc.nat(), fc.constantFrom("a", "e", "_", "s", "X", "\u212A", "\u0130")), { maxLength: 5 }).map((edits) => {
      let s = name;
      for (const [kind, at, ch] of edits) {
        const i = s.length === 0 ? 0 : at % s.length;
        if (kind === "delete") s = s.slice(0, i) + s.slice(i + 1);
        else if (kind === "insert") s = s.slice(0, i) + ch + s.slice(i);
        else if (kind === "replace") s = s.slice(0, i) + ch + s.slice(i + 1);
        else if (kind === "swap") s = s.slice(0, i) + s.slice(i + 1, i + 2) + s.slice(i, i + 1) + s.slice(i + 2);
        else s = s.slice(0, i) + s.slice(i, i + 1).toUpperCase() + s.slice(i + 1);
      }
      return s;
    });

  it("suggests what the full distance suggests, for typos of catalog names", () => {
    const input = catalog.chain((names) => fc.tuple(fc.constant(names), names.length === 0 ? toolName : fc.constantFrom(...names).chain(typo)));
    fc.assert(
      fc.property(input, ([names, entry]) => {
        expect(didYouMean(entry, names)).toBe(reference(entry, names));
      }),
      { numRuns: 3_000 },
    );
  });

  it("suggests what the full distance suggests, for short strings over a few letters (many ties)", () => {
    const text = fc.array(fc.constantFrom("a", "b", "A", "_"), { maxLength: 14 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 30 }), (entry, names) => {
        expect(didYouMean(entry, names)).toBe(reference(entry, names));
      }),
      { numRuns: 3_000 },
    );
  });

  // 100 unknown names of 100 letters against 19,000 such names took 17 s (found by fuzzing):
  // every pair was measured in full. Now a candidate that cannot be within 4 edits is mostly
  // dropped after a look at a few of its characters.
  it("dismisses a large catalog of long names quickly", () => {
    let seed = 1;
    let letters = "";
    for (let i = 0; i < 100 * 19_200; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      letters += String.fromCharCode(0x61 + ((seed >>> 8) % 26));
    }
    const names = Array.from({ length: 19_000 }, (_, i) => letters.slice(i * 100, i * 100 + 100));
    const target = names[18_000] as string;
    const unknown = [...Array.from({ length: 100 }, (_, i) => letters.slice(1_900_000 + i * 100, 1_900_000 + i * 100 + 100)), `${target.slice(0, 50)}x${target.slice(51)}`, `${target.slice(0, 20)}${target.slice(21, 80)}yz${target.slice(80)}`];
    const guesses = unknown.map((u) => didYouMean(u, names));
    expect(guesses.slice(0, -2).every((g) => g === undefined)).toBe(true);
    expect(guesses.slice(-2)).toEqual([target, target]);
  }, 5_000);
});
