import fc from "fast-check";
import { isScalar, LineCounter, parseDocument, visit, type Document } from "yaml";
import { describe, expect, it } from "vitest";
import { parseYamlSource } from "../../src/io/yaml-source.js";
import { checkBytes, only } from "../support/manifest-fixtures.js";

// Keys written twice are found by a hash table per mapping, not by yaml's own check
// (`uniqueKeys`), which compares each key with every earlier one: a mapping of 20,000
// keys took 7 to 17 seconds, one of 100,000 (as here) over two minutes, where it now takes
// two to four. The findings are the ones yaml's check gave, at the same places, with the
// same messages.

/** What the findings were when yaml checked the keys: its errors, and the message then made of each. */
function asYamlChecked(text: string): [code: string, line: number, column: number, message: string][] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  return doc.errors
    .filter((e) => e.code === "DUPLICATE_KEY")
    .map((e) => {
      const { line, col } = lc.linePos(e.pos[0]);
      const dup = duplicateKeyAt(doc, e.pos[0]);
      const message = dup ? `\`${dup.key}\` is written twice in the same mapping (first at line ${lc.linePos(dup.firstOffset).line}).` : "A key is written twice in the same mapping.";
      return ["yaml-duplicate-key", line, col, message];
    });
}

/** How the message's first place was found: the first key of the same text, in the mapping holding the key at `offset`. */
function duplicateKeyAt(doc: Document.Parsed, offset: number): { key: string; firstOffset: number } | undefined {
  let found: { key: string; firstOffset: number } | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        const first = seen.get(key);
        if (first !== undefined && pair.key.range[0] === offset) {
          found = { key, firstOffset: first };
          return visit.BREAK;
        }
        if (first === undefined) seen.set(key, pair.key.range[0]);
      }
      return undefined;
    },
  });
  return found;
}

function duplicatesFound(text: string): [code: string, line: number, column: number, message: string][] {
  return parseYamlSource("f.yaml", text)
    .findings.filter((f) => f.code === "yaml-duplicate-key")
    .map((f) => [f.code, f.line as number, f.column as number, f.message]);
}

/** In the order of their places, as a check reports them (yaml reports a key inside a key after the key). */
const byPlace = (found: [string, number, number, string][]) => [...found].sort((a, b) => a[1] - b[1] || a[2] - b[2]);

/** Keys that are equal to yaml or only look alike: the same text quoted or not, numbers and their strings, the ways of writing null, tags and anchors. */
const KEY = fc.constantFrom("a", '"a"', "'a'", "b", "1", '"1"', "01", "0x1", "~", "null", '"null"', "", "!!str a", "&x a", "!!str 1", "? a", "? ", ".nan", "true", '"true"');

/** A mapping as YAML: block (possibly nested, with comments and explicit keys) or flow. */
const MAPPING: fc.Arbitrary<string> = fc.letrec<{ block: string; flow: string }>((tie) => ({
  block: fc
    .array(fc.tuple(KEY, fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.constant("v"), fc.constant("# note"), tie("flow"))), { minLength: 1, maxLength: 8 })
    .map((pairs) => pairs.map(([k, v]) => (k.startsWith("?") ? `${k}\n: ${v.startsWith("#") ? "v" : v}\n` : `${k}: ${v}\n`)).join("")),
  flow: fc
    .array(fc.tuple(KEY.filter((k) => !k.startsWith("?") || k === "? a"), fc.oneof({ depthSize: "small" }, fc.constant("v"), tie("flow"))), { minLength: 0, maxLength: 6 })
    .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
})).block;

describe("keys written twice", () => {
  it("are the ones yaml's own check finds, at its places, with the same messages", () => {
    fc.assert(
      fc.property(MAPPING, (text) => {
        expect(byPlace(duplicatesFound(text))).toEqual(byPlace(asYamlChecked(text)));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["a block mapping", "a: 1\nb: 2\na: 3\n"],
    ["a flow mapping", "x: {a: 1, b: 2, a: 3}\n"],
    ["empty keys", "? \n: 1\n? \n: 2\n"],
    ["tagged and anchored keys", "a: 1\n!!str a: 2\n&x a: 3\n"],
    ["the same text, not the same value", "1: a\n\"1\": b\n1: c\n"],
    ["a list of mappings", "- {a: 1}\n- {b: 2, b: 3}\n"],
    ["keys that are mappings", "? {a: 1, a: 2}\n: x\n"],
  ])("in %s, as yaml reported them", (_name, text) => {
    expect(byPlace(duplicatesFound(text))).toEqual(byPlace(asYamlChecked(text)));
    expect(duplicatesFound(text).length).toBeGreaterThan(0);
  });

  it("in a flow mapping of 100,000 keys, one written twice is found, at its place", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: x`);
    keys.push("k99: again");
    const findings = duplicatesFound(`apprentice_type: a\ndescription: d\ntool_notes: {${keys.join(", ")}}\n`);
    const column = `tool_notes: {${keys.slice(0, -1).join(", ")}, `.length + 1;
    expect(findings).toEqual([["yaml-duplicate-key", 3, column, "`k99` is written twice in the same mapping (first at line 3)."]]);
  });

  it("in a block mapping of 100,000 keys, each of 50,000 written twice is found", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i % 50_000}: 1\n`);
    const findings = duplicatesFound(`apprentice_type: a\ndescription: d\n${keys.join("")}`);
    expect(findings).toHaveLength(50_000);
    expect(findings[0]).toEqual(["yaml-duplicate-key", 50_003, 1, "`k0` is written twice in the same mapping (first at line 3)."]);
    expect(findings[49_999]).toEqual(["yaml-duplicate-key", 100_002, 1, "`k49999` is written twice in the same mapping (first at line 50002)."]);
  });
});

describe("a finding on each of many keys", () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `k${i.toString(36)}`);

  it("100,000 tool_notes in a flow mapping: each unlisted note is placed at its key", () => {
    const keys = names(100_000);
    const checked = checkBytes("manifests/a.yaml", Buffer.from(`apprentice_type: a\ndescription: d\nrequired_tools: [read_file]\ntool_notes: {${keys.map((k) => `${k}: x`).join(", ")}}\n`));
    const notes = checked.findings.filter((f) => f.code === "note-key-unlisted");
    expect(notes).toHaveLength(100_000);
    const last = notes.at(-1);
    expect([last?.line, last?.column]).toEqual([4, `tool_notes: {${keys.slice(0, -1).map((k) => `${k}: x`).join(", ")}, `.length + 1]);
  });

  it("100,000 unknown top-level keys: each is a warning at its line", () => {
    const keys = names(100_000);
    const checked = checkBytes("manifests/a.yaml", Buffer.from(`apprentice_type: a\ndescription: d\n${keys.map((k) => `${k}: 1\n`).join("")}`));
    const unknown = checked.findings.filter((f) => f.code === "schema-unknown-key");
    expect(unknown).toHaveLength(100_000);
    expect(unknown.map((f) => f.line)).toEqual(keys.map((_, i) => i + 3));
    expect(only(unknown.slice(-1), "schema-unknown-key").message).toContain(`\`${keys.at(-1)}\``);
  });
});
