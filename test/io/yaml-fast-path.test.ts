import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { fastYamlValue, parseYamlSource } from "../../src/io/yaml-source.js";

/**
 * The fast path (js-yaml) may only ever give what the `yaml` package gives: whenever it
 * accepts a text, `yaml` must accept it too and read the same value. Differential tests
 * over generated documents and over mutations of real manifests.
 */

function yamlValue(text: string): { ok: true; value: unknown } | { ok: false } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false };
  return { ok: true, value: doc.toJS() };
}

function agrees(text: string): void {
  const fast = fastYamlValue(text);
  if (fast === undefined) return;
  const slow = yamlValue(text);
  expect(slow.ok, `js-yaml accepted what yaml rejects:\n${text}`).toBe(true);
  if (slow.ok) expect(fast.value, text).toEqual(slow.value);
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
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), value, { minKeys: 1, maxKeys: 6 }), fc.boolean(), (doc, flow) => {
        agrees(stringify(doc, flow ? { collectionStyle: "flow" } : {}));
      }),
      { numRuns: 1500 },
    );
  });

  it("on random mutations of real manifests (whatever js-yaml accepts, yaml accepts the same)", () => {
    const edit = fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.array(fc.constantFrom(":", "-", " ", "\n", '"', "'", "[", "]", "{", "}", "#", "|", ">", ",", "a", "0", "\\", "\t", "*", "&", "!", "?", "%", "@", "`"), { maxLength: 4 }).map((a) => a.join("")) });
    fc.assert(
      fc.property(fc.constantFrom(...realManifests), fc.array(edit, { minLength: 1, maxLength: 4 }), (text, edits) => {
        let t = text;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.ins + t.slice(at + e.del);
        }
        agrees(t);
      }),
      { numRuns: 3000 },
    );
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
  ])("leaves %s to the yaml package", (_what, text) => {
    expect(fastYamlValue(text)).toBeUndefined();
  });
});
