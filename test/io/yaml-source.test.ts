import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { manifestSourceFromBytes } from "../../src/io/repository.js";
import { decodeUtf8, firstInvalidUtf8, MAX_ALIASES, MAX_FILE_BYTES, parseYamlSource } from "../../src/io/yaml-source.js";
import { checkBytes, checkFixture, expectTeaches, only, places, type Place } from "../support/manifest-fixtures.js";

// Rule 1: files that cannot be read as one YAML mapping. Each fixture yields exactly
// the findings listed, at the offending node.
describe("rule 1: YAML-level problems", () => {
  it.each<[fixture: string, expected: Place[], mentions: string[]]>([
    ["yaml/yaml-syntax.yaml", [["yaml-syntax", "error", 4, 1]], ["end with a ]"]],
    ["yaml/yaml-syntax-indent.yaml", [["yaml-syntax", "error", 4, 1]], ["Tabs"]],
    ["yaml/yaml-duplicate-key.yaml", [["yaml-duplicate-key", "error", 6, 1]], ["`required_tools`", "first at line 3"]],
    ["yaml/yaml-multiple-documents.yaml", [["yaml-multiple-documents", "error", 4, 1]], ["more than one YAML document", "---"]],
    ["yaml/yaml-alias-bomb.yaml", [["yaml-alias-bomb", "error", 5, 8]], ["aliases"]],
    ["yaml/yaml-alias-many.yaml", [["yaml-alias-bomb", "error", 4, 18]], ["120 YAML aliases", `more than ${MAX_ALIASES}`]],
    ["yaml/file-empty.yaml", [["file-empty", "error", 1, 1]], ["is empty"]],
    ["yaml/file-comments-only.yaml", [["file-empty", "error", 1, 1]], ["is empty"]],
    ["yaml/yaml-not-mapping-list.yaml", [["yaml-not-mapping", "error", 2, 1]], ["a list"]],
    ["yaml/yaml-not-mapping-scalar.yaml", [["yaml-not-mapping", "error", 1, 1]], ["a single value"]],
    ["yaml/not-a-manifest.yaml", [["not-a-manifest", "error", 2, 1]], ["not an apprentice manifest", "starts with `name`", "narrow `manifests:`"]],
  ])("%s", (fixture, expected, mentions) => {
    const checked = checkFixture(fixture);
    expect(places(checked.findings)).toEqual(expected);
    expect(checked.manifest, "an unreadable file gives no manifest").toBeUndefined();
    for (const f of checked.findings) {
      expect(f.file).toBe(fixture);
      expectTeaches(f);
      for (const m of mentions) expect(`${f.message} ${f.next_steps.join(" ")}`).toContain(m);
    }
  });

  it("suggests the file's own name as apprentice_type for a file that is not a mapping", () => {
    const f = only(checkFixture("yaml/yaml-not-mapping-list.yaml").findings, "yaml-not-mapping");
    expect(f.next_steps.join(" ")).toContain("apprentice_type: yaml-not-mapping-list");
  });

  it("an alias bomb is refused before it is expanded (fast, small)", () => {
    const started = performance.now();
    checkFixture("yaml/yaml-alias-bomb.yaml");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("a few aliases are fine", () => {
    const text = "apprentice_type: a\ndescription: x\nbase: &base [read_file, grep]\nrequired_tools: *base\n";
    const checked = checkBytes("m/a.yaml", text);
    expect(checked.findings.filter((f) => f.code.startsWith("yaml-"))).toEqual([]);
    expect(checked.manifest?.required_tools).toEqual(["read_file", "grep"]);
  });
});

// Files written at test time: a file over 1 MiB and files with bytes that are not UTF-8.
describe("rule 1: size and encoding", () => {
  const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-yaml-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const enc = (s: string) => Buffer.from(s, "utf8");
  const written = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    return readFileSync(join(dir, name));
  };

  it("a file over 1 MiB is not parsed, and says how big it is", () => {
    const header = enc("apprentice_type: big\ndescription: x\nrequirements:\n");
    const filler = enc('  - "' + "x".repeat(70) + '"\n');
    const parts = [header];
    let size = header.length;
    while (size <= MAX_FILE_BYTES) {
      parts.push(filler);
      size += filler.length;
    }
    const bytes = written("big.yaml", Buffer.concat(parts));
    expect(bytes.byteLength).toBeGreaterThan(MAX_FILE_BYTES);
    const checked = checkBytes("manifests/big.yaml", bytes);
    const f = only(checked.findings, "file-too-large");
    expect(places(checked.findings)).toEqual([["file-too-large", "error", undefined, undefined]]);
    expect(f.message).toContain(bytes.byteLength.toLocaleString("en-US"));
    expect(f.message).toContain("1 MiB");
    expectTeaches(f);
    expect(checked.manifest).toBeUndefined();
  });

  it("a file of exactly 1 MiB is still read", () => {
    const text = "apprentice_type: edge\ndescription: x\n# ";
    const bytes = Buffer.concat([enc(text), Buffer.alloc(MAX_FILE_BYTES - text.length, "x"), enc("\n")]).subarray(0, MAX_FILE_BYTES);
    expect(bytes.byteLength).toBe(MAX_FILE_BYTES);
    expect("text" in decodeUtf8("edge.yaml", bytes)).toBe(true);
  });

  it.each<[name: string, bytes: Buffer, line: number, column: number, firstBad: string]>([
    ["Latin-1 é in a description", Buffer.concat([enc("apprentice_type: latin\ndescription: caf"), Buffer.from([0xe9]), enc("\n")]), 2, 17, "0xE9"],
    ["a lone continuation byte after valid UTF-8", Buffer.concat([enc("apprentice_type: x\ndescription: \"héllo\" "), Buffer.from([0x80, 0xfe]), enc("\n")]), 2, 22, "0x80"],
    ["a truncated 3-byte sequence at the end", Buffer.concat([enc("apprentice_type: x\n# ok\n  "), Buffer.from([0xe2, 0x82])]), 3, 3, "0xE2"],
    ["a legitimate U+FFFD before the first bad byte", Buffer.concat([enc("# \uFFFD is fine\napprentice_type: x\ndescription: "), Buffer.from([0xc3]), enc("\n")]), 3, 14, "0xC3"],
    ["an overlong encoding of '/'", Buffer.concat([enc("a: "), Buffer.from([0xc0, 0xaf])]), 1, 4, "0xC0"],
    ["a UTF-16 surrogate encoded in UTF-8", Buffer.concat([enc("ab"), Buffer.from([0xed, 0xa0, 0x80])]), 1, 3, "0xED"],
    ["a byte order mark, then a bad byte on line 1", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc("ab"), Buffer.from([0xff])]), 1, 3, "0xFF"],
  ])("non-UTF-8: %s is reported at the first bad byte", (name, content, line, column, firstBad) => {
    const bytes = written(`${name.replace(/\W+/g, "-")}.yaml`, content);
    const checked = checkBytes("manifests/enc.yaml", bytes);
    expect(places(checked.findings)).toEqual([["file-not-utf8", "error", line, column]]);
    const f = checked.findings[0];
    expect(f?.message).toContain(firstBad);
    if (f) expectTeaches(f);
    expect(checked.manifest).toBeUndefined();
  });

  it("firstInvalidUtf8 agrees with the platform's strict decoder", () => {
    const samples = [enc("plain"), enc("é ü 日本 😀"), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from([0x61, 0xc2, 0xa9, 0x62])];
    const strict = new TextDecoder("utf-8", { fatal: true });
    for (const s of samples) {
      let valid = true;
      try {
        strict.decode(s);
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8(s) === -1, s.toString("hex")).toBe(valid);
    }
  });

  it("a byte order mark is not part of the first line", () => {
    const src = manifestSourceFromBytes("m/bom.yaml", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc("apprentice_type: bom\ndescription: x\n")]));
    expect(src.findings).toEqual([]);
    expect(src.data).toEqual({ apprentice_type: "bom", description: "x" });
    expect(src.locate(["apprentice_type"], "key")).toMatchObject({ line: 1, column: 1 });
  });
});

describe("the locator", () => {
  const text = ["# comment", "apprentice_type: loc", "required_tools:", "  - read_file", "  - grep", "limits: { max_tools: 9 }", "notes:", "  'quoted key': 1", ""].join("\r\n");
  const { locate, findings } = parseYamlSource("m/loc.yaml", text);

  it.each<[path: (string | number)[], part: "key" | "value", line: number, column: number]>([
    [["apprentice_type"], "key", 2, 1],
    [["apprentice_type"], "value", 2, 18],
    [["required_tools", 1], "value", 5, 5],
    [["required_tools"], "key", 3, 1],
    [["required_tools"], "value", 4, 3],
    [["limits", "max_tools"], "value", 6, 22],
    [["notes", "quoted key"], "key", 8, 3],
    [["required_tools", 7], "value", 4, 3],
    [["nope", "deeper"], "value", 2, 1],
  ])("%j (%s) is at %i:%i, with CRLF line ends", (path, part, line, column) => {
    expect(findings).toEqual([]);
    expect(locate(path, part)).toMatchObject({ line, column });
  });
});
