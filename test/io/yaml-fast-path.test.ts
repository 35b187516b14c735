import { isUtf8 } from "node:buffer";
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { MANIFEST_KEY_TABLE } from "../../src/io/manifest-source.js";
import { fastYamlValue, parseYamlSource } from "../../src/io/yaml-source.js";
import { readYamlSubsetBytes } from "../../src/io/yaml-subset.js";

/**
 * The fast path (src/io/yaml-subset.ts) may only ever give what the `yaml` package gives:
 * whenever it accepts a text, `yaml` must accept it too and read the same value.
 * Differential tests over generated documents, over documents assembled line by line
 * from manifest-like pieces (indentation, keys, items, tricky scalars), and over
 * mutations of real manifests; each also checks that the fast path takes a good share
 * of what it is given, so that the comparison is not vacuous.
 */

function yamlValue(text: string): { ok: true; value: unknown } | { ok: false } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false };
  return { ok: true, value: doc.toJS() };
}

/** True when the fast path took the text (and then agreed with `yaml`). */
function agrees(text: string): boolean {
  const fast = fastYamlValue(text);
  // With the keys manifests use (taken as known strings when the text has them), and
  // read from the text's UTF-8 bytes without decoding them: the same.
  expect(fastYamlValue(text, { keys: MANIFEST_KEY_TABLE })).toStrictEqual(fast);
  const bytes = new TextEncoder().encode(text);
  if (isUtf8(bytes) && new TextDecoder().decode(bytes) === text) expect(readYamlSubsetBytes(bytes, { keys: MANIFEST_KEY_TABLE })).toStrictEqual(fast);
  if (fast === undefined) return false;
  const slow = yamlValue(text);
  expect(slow.ok, `the fast path accepted what yaml rejects:\n${text}`).toBe(true);
  if (slow.ok) expect(fast.value, text).toStrictEqual(slow.value);
  return true;
}

/** Runs `agrees` over every generated text and returns the share the fast path took. */
function share(texts: fc.Arbitrary<string>, numRuns: number): number {
  let taken = 0;
  let runs = 0;
  fc.assert(
    fc.property(texts, (text) => {
      runs++;
      if (agrees(text)) taken++;
    }),
    { numRuns },
  );
  if (process.env.SHOW_SHARE) console.log("share", taken / runs);
  return taken / runs;
}

const manifestsDir = new URL("../../manifests/", import.meta.url);
const realManifests = readdirSync(manifestsDir)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => readFileSync(new URL(f, manifestsDir), "utf8"));

const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom("yes", "no", "on", "off", "~", "null", "Null", "true", "False", "0o17", "0x1F", "0b101", "1_000", "1e3", ".inf", "-.Inf", ".nan", "012", "+12", "2026-11-21", "12:30", "docker_*", "*write*", "a: b", "- x", "#c", "'q'", '"d"', "@user", ""),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), tie("node"), { maxKeys: 4 })),
})).node;

describe("the YAML fast path agrees with the yaml package", () => {
  it("on generated documents, in block and flow styles", () => {
    const docs = fc
      .tuple(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { minKeys: 1, maxKeys: 6 }), fc.boolean())
      .map(([doc, flow]) => stringify(doc, flow ? { collectionStyle: "flow" } : {}));
    share(docs, 1500);
  });

  it("on documents assembled line by line from manifest-like pieces", () => {
    const key = fc.constantFrom("apprentice_type", "description", "required_tools", "tool_notes", "alternatives", "a", "b", "_x", "a.b", "a-b", "k1", "null", "True", "__proto__", "1a", "-a", "a b", "a:b", "\"q\"", "'q'", "?", "<<", "&a", "*a");
    const scalarText = fc.oneof(
      fc.constantFrom("read_file", "docker_*", "*write*", "mcp__github", "a b  c", "x #c", "x#c", "a: b", "a:b", "a:", "http://x.y/z", "[a, b]", "[ a , 'b' ,\"c\" ]", "[]", "[ ]", "{}", "{ }", "{a: 1}", "[a,]", "[a,,b]", "[[a]]", "[a: b]", "[a #c]", "[a]#c", "[a] #c", "'it''s'", "'a'#c", "'a' #c", "\"a\\nb\"", "\"a\" b", "\"#\"", "'", "\"", "|", ">-", "&x a", "*x", "!t a", "%a", "@a", "`a", "~", "null", "NULL", "true", "False", "0o17", "0x1F", "0b101", "1_000", "012", "+12", "-12", "1e3", "1.", ".5", ".inf", "-.Inf", ".NaN", "2026-11-22", "é ü 𝄞", "a\tb", "a\rb", "- x", "? x", ": x", ",x", "x,y", "x]", "x}"),
      fc.string({ maxLength: 8 }),
    );
    const line = fc.oneof(
      fc.tuple(fc.nat({ max: 6 }), key).map(([n, k]) => `${" ".repeat(n)}${k}:`),
      fc.tuple(fc.nat({ max: 6 }), key, fc.constantFrom(" ", "  ", ""), scalarText).map(([n, k, sp, v]) => `${" ".repeat(n)}${k}:${sp}${v}`),
      fc.tuple(fc.nat({ max: 6 }), fc.constantFrom("- ", "-  ", "-", "- - "), scalarText).map(([n, d, v]) => `${" ".repeat(n)}${d}${v}`),
      fc.tuple(fc.nat({ max: 6 }), fc.constantFrom("# c", "#", "")).map(([n, c]) => `${" ".repeat(n)}${c}`),
      fc.constantFrom("---", "...", "%YAML 1.2", "key: # c", "  # c", "\r", " "),
    );
    const docs = fc.tuple(fc.array(line, { minLength: 1, maxLength: 10 }), fc.constantFrom("\n", "\r\n")).map(([lines, eol]) => lines.join(eol) + eol);
    expect(share(docs, 6000)).toBeGreaterThan(0.005);

    // Well-formed manifests with now and then one tricky piece: the fast path must take most.
    const goodKey = fc.constantFrom("apprentice_type", "description", "required_tools", "tool_notes", "alternatives", "a", "_x", "a.b", "a-b", "k1");
    const goodScalar = fc.constantFrom("read_file", "docker_*", "*write*", "mcp__github", "a b  c", "x #c", "x#c", "a:b", "http://x.y/z", "[a, b]", "[ a , 'b' ,\"c\" ]", "[]", "{}", "'it''s'", "'a' #c", "\"#\"", "~", "null", "true", "0o17", "0x1F", "0b101", "1_000", "012", "+12", "1e3", ".5", ".inf", ".NaN", "2026-11-22", "é ü 𝄞", "x,y", "x]");
    const someKey = fc.oneof({ weight: 20, arbitrary: goodKey }, { weight: 1, arbitrary: key });
    const someScalar = fc.oneof({ weight: 20, arbitrary: goodScalar }, { weight: 1, arbitrary: scalarText });
    const block = fc.oneof(
      someScalar.map((v) => ` ${v}`),
      fc.tuple(fc.integer({ min: 0, max: 3 }), fc.array(someScalar, { minLength: 1, maxLength: 4 })).map(([n, vs]) => vs.map((v) => `\n${" ".repeat(n)}- ${v}`).join("")),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.uniqueArray(fc.tuple(someKey, someScalar), { minLength: 1, maxLength: 3, selector: ([k]) => k })).map(([n, kvs]) => kvs.map(([k, v]) => `\n${" ".repeat(n)}${k}: ${v}`).join("")),
    );
    const comment = fc.constantFrom("", "", "", "\n# a comment", "\n   # indented comment", "\n");
    const wellFormed = fc
      .tuple(fc.uniqueArray(fc.tuple(someKey, block, comment), { minLength: 1, maxLength: 6, selector: ([k]) => k }), fc.constantFrom("\n", "\r\n"))
      .map(([entries, eol]) => `${entries.map(([k, v, c]) => `${k}:${v}${c}`).join("\n")}\n`.replace(/\n/g, eol));
    expect(share(wellFormed, 6000)).toBeGreaterThan(0.5);
  });

  it("on random mutations of real manifests (whatever the fast path accepts, yaml accepts the same)", () => {
    const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.array(fc.constantFrom(":", "-", " ", "\n", '"', "'", "[", "]", "{", "}", "#", "|", ">", ",", "a", "0", "\\", "\t", "*", "&", "!", "?", "%", "@", "`", "é", "…", "\u0085", "\u00a0", "\u2028", "\ufeff", "\uffff", "𝄞"), { maxLength: 4 }).map((a) => a.join("")) });
    const mutated = fc.tuple(fc.constantFrom(...realManifests), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([text, edits]) => {
      let t = text;
      for (const e of edits) {
        const at = e.at % (t.length + 1);
        t = t.slice(0, at) + e.ins + t.slice(at + e.del);
      }
      return t;
    });
    expect(share(mutated, 3000)).toBeGreaterThan(0.2);
  });

  it("reads short names from its intern table exactly, across many files and after the table fills up", () => {
    // 10,000 distinct names (more than the table keeps before it is emptied), each file
    // also naming tools seen in every file, names that differ in one byte or only in
    // length, and names with bytes past ASCII (never interned).
    const encoder = new TextEncoder();
    for (let n = 0; n < 10_000; n++) {
      const name = `tool_${n.toString(36)}`;
      const text = `apprentice_type: t\nrequired_tools:\n  - ${name}\n  - read_file\n  - read_filf\n  - read_fil\n  - "${name}"\n  - lé_${n % 7}\n  - ${"x".repeat(64 + (n % 3))}\n`;
      const read = readYamlSubsetBytes(encoder.encode(text));
      expect(read?.value.required_tools).toEqual([name, "read_file", "read_filf", "read_fil", name, `lé_${n % 7}`, "x".repeat(64 + (n % 3))]);
    }
  });

  it("takes the real manifests by the fast path, and still places findings at line:column", () => {
    for (const text of realManifests) expect(fastYamlValue(text)).toBeDefined();
    const src = parseYamlSource("m.yaml", "apprentice_type: x\ndescription: d\nrequired_tools:\n  - read_file\n  - grep\n");
    expect(src.findings).toEqual([]);
    expect(src.locate(["required_tools", 1], "value")).toMatchObject({ line: 5, column: 5 });
  });

  it.each([
    ["an anchor and alias", "a: &x [1]\nb: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a second document", "a: 1\n---\nb: 2\n"],
    ["a merge key", "base: {a: 1}\nm:\n  <<: {b: 2}\n"],
    ["a tab", "a:\t1\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["an empty file", ""],
    ["a null key", "null: 1\n"],
    ["a ~ key in a flow map", "a: {~: 1}\n"],
    ["an empty key in a flow map", "a: {: 1}\n"],
    ["a key over 1,024 characters", `${"k".repeat(1100)}: 1\n`],
    ["a block scalar", "a: |\n  text\n"],
    ["a plain scalar over two lines", "a: one\n  two\n"],
    ["a quoted scalar over two lines", 'a: "one\n  two"\n'],
    ["an escape in a double-quoted scalar", 'a: "x\\ty"\n'],
    ["a flow mapping", "a: {b: 1}\n"],
    ["a nested flow sequence", "a: [[b]]\n"],
    ["a mapping in a sequence", "a:\n  - b: 1\n"],
    ["a root list", "- a\n"],
    ["a root scalar", "just text\n"],
    ["an indented root", "  a: 1\n"],
    ["only comments", "# nothing\n"],
    ["a line separator", "a: x\u2028y\n"],
    ["a lone carriage return", "a: 1\rb: 2\n"],
  ])("leaves %s to the yaml package", (_what, text) => {
    expect(fastYamlValue(text)).toBeUndefined();
  });
});
