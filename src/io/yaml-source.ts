import { Buffer, isAscii, isUtf8 } from "node:buffer";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, YAMLMap, YAMLSeq, type Document, type Node, type Pair, type YAMLError } from "yaml";
import { makeFinding, type Finding, type Position } from "../core/finding.js";
import type { DocPath, Locator } from "../core/locator.js";
import { describeUnread, isUnread, MAX_FILE_BYTES, type FileBytes, type Unread } from "./read-file.js";
import { readYamlSubset, readYamlSubsetBytes, type ReadOptions } from "./yaml-subset.js";

export { MAX_FILE_BYTES };
/** More aliases than this in one file is a resource-exhaustion attack, not a manifest. */
export const MAX_ALIASES = 100;

export interface YamlSource {
  file: string;
  text: string;
  /** The plain value, or undefined when the file cannot be used. */
  data: unknown;
  findings: Finding[];
  locate: Locator;
  doc?: Document.Parsed;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Lenient = new TextDecoder("utf-8");

function positionOf(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence
 * (the lead byte of a broken or truncated sequence), or -1 when all bytes are UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= n) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[i + 1] as number;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** What a file read as YAML or JSON is for: the advice on a file that cannot be read depends on it. */
export type FileRole = "manifest" | "catalog" | "config";

const TOO_LARGE_ADVICE: Record<FileRole, { guidance: string; next: string }> = {
  manifest: { guidance: "A manifest is a few kilobytes; a file this large is almost certainly not one, and parsing it would slow every check.", next: "Move this file out of the manifests folder, or narrow `manifests:` in apprentice-tools.yml so that it is not matched." },
  catalog: { guidance: "A catalog file lists one server's tools, a few hundred kilobytes at most; a file this large is almost certainly not one, and its tools count as unavailable until it is fixed.", next: "Move this file out of the catalog folder, or regenerate it with `apprentice-tools catalog refresh`." },
  config: { guidance: "The configuration is a few lines; a file this large is almost certainly not one, so none of its settings apply.", next: "Replace it with the settings you need (see the README's configuration section), or remove it to use the defaults." },
};

const NOT_A_FILE_ADVICE: Record<FileRole, string> = {
  manifest: "Remove it (or the link that leads to it) from the manifests folder, or narrow `manifests:` in apprentice-tools.yml so that it is not matched.",
  catalog: "Remove it (or the link that leads to it) from the catalog folder; catalog files are plain JSON or YAML files.",
  config: "Replace it with a plain YAML file (a link to one is fine), or remove it to use the defaults.",
};

/** The finding of a file that was not read (see Unread). */
export function unreadFinding(file: string, unread: Unread, role: FileRole = "manifest"): Finding {
  if (unread.unread === "too-large") {
    const advice = TOO_LARGE_ADVICE[role];
    return makeFinding(file, undefined, "error", "file-too-large", `${describeUnread(file, unread)}.`, advice.guidance, [advice.next]);
  }
  return makeFinding(file, undefined, "error", "file-not-regular", `${describeUnread(file, unread)}.`, "Reading it could block the run until something writes to it (a named pipe) or never end (a device such as /dev/zero); manifests, catalogs and the configuration are plain files.", [NOT_A_FILE_ADVICE[role]]);
}

/** Decodes bytes as UTF-8, or says where the first byte that is not UTF-8 is (or why the file was not read). */
export function decodeUtf8(file: string, bytes: FileBytes, role: FileRole = "manifest"): { text: string } | { finding: Finding } {
  if (isUnread(bytes)) return { finding: unreadFinding(file, bytes, role) };
  if (bytes.byteLength > MAX_FILE_BYTES) return { finding: unreadFinding(file, { unread: "too-large", size: bytes.byteLength }, role) };
  // Most manifests are ASCII, which is also its own Latin-1: copied into a string as it is,
  // about ten times faster than decoding UTF-8.
  if (isAscii(bytes)) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1") };
  try {
    return { text: stripBom(utf8.decode(bytes)) };
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    // Everything before the bad byte is valid UTF-8, so its text gives the line and column.
    const before = stripBom(utf8Lenient.decode(bytes.subarray(0, at)));
    const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, "0");
    return {
      finding: makeFinding(file, positionOf(before, before.length), "error", "file-not-utf8", `${file} contains bytes that are not UTF-8 (the first is 0x${byte}, at byte ${at + 1}).`, "Manifests are read as UTF-8 text; other encodings turn tool names into garbage, so the file is not read at all.", ["Re-save the file as UTF-8 (in most editors: 'Save with encoding' → UTF-8); a Latin-1 `é` or a Windows smart quote is the usual culprit."]),
    };
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const YAML_CODES: Record<string, { code: string; guidance: string; next: string }> = {
  DUPLICATE_KEY: { code: "yaml-duplicate-key", guidance: "With a key written twice, only one of the values counts, and which one depends on the reader.", next: "Keep one of the two entries (merge their lists if both matter)." },
  MULTIPLE_DOCS: { code: "yaml-multiple-documents", guidance: "One file describes one apprentice; a second document (after `---`) would be silently ignored.", next: "Move the second document into a file of its own, named after its apprentice_type." },
};

/** A key written twice in one mapping: where yaml would have said so, and the message for it. */
interface DuplicateKey {
  offset: number;
  message: string;
}

/** The message of a known YAML error, in the reader's terms rather than the parser's. */
function knownMessage(code: string, file: string, duplicate: DuplicateKey | undefined): string | undefined {
  if (code === "MULTIPLE_DOCS") return `${file} holds more than one YAML document: a second one starts here, after \`---\`.`;
  if (code !== "DUPLICATE_KEY") return undefined;
  return duplicate?.message ?? "A key is written twice in the same mapping.";
}

/**
 * Where an empty key's duplicate is reported: yaml reports a key at the end of what comes
 * before it (a `?`, its spaces and comments), where an empty key's own range starts
 * before the line break and comments it skipped back over.
 */
function emptyKeyStart(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23) {
      const eol = text.indexOf("\n", i);
      i = eol === -1 ? text.length : eol;
    } else break;
  }
  return i;
}

/**
 * The keys written twice in the document's mappings, as yaml's own check (`uniqueKeys`)
 * reports them: two scalar keys of the same value (`===`) in one mapping, the later one
 * reported where it starts. yaml's check looks each key up among the mapping's earlier
 * keys one by one, which made a mapping of 100,000 keys take minutes; here each mapping's
 * keys go into a hash table once. The message names the first key of the same text.
 * Walked without recursion, over keys as well as values (keys can be mappings too).
 */
function duplicateKeys(doc: Document.Parsed, text: string, lc: LineCounter): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const values = new Set<unknown>();
      const firstByText = new Map<string, number>();
      for (const pair of node.items) {
        stack.push(pair.value, pair.key);
        const key = pair.key;
        if (!isScalar(key)) continue;
        const value = key.value;
        const start = key.range?.[0];
        const name = String(value);
        // NaN is the one value that is not === itself.
        if (values.has(value) && !Number.isNaN(value)) {
          const offset = key.source === "" && start !== undefined ? emptyKeyStart(text, start) : start;
          if (offset !== undefined) {
            const first = offset === start ? firstByText.get(name) : undefined;
            found.push({ offset, message: first === undefined ? "A key is written twice in the same mapping." : `\`${name}\` is written twice in the same mapping (first at line ${lc.linePos(first).line}).` });
          }
        }
        values.add(value);
        if (start !== undefined && !firstByText.has(name)) firstByText.set(name, start);
      }
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** yaml's errors with the duplicate keys among them, in the order of the places they are at (yaml's order). */
function withDuplicateKeys(errors: readonly YAMLError[], duplicates: readonly DuplicateKey[]): { error: Pick<YAMLError, "code" | "message" | "pos">; duplicate?: DuplicateKey }[] {
  const out: { error: Pick<YAMLError, "code" | "message" | "pos">; duplicate?: DuplicateKey }[] = [];
  let d = 0;
  for (const error of errors) {
    for (; d < duplicates.length && (duplicates[d] as DuplicateKey).offset < error.pos[0]; d++) out.push(duplicateError(duplicates[d] as DuplicateKey));
    out.push({ error });
  }
  for (; d < duplicates.length; d++) out.push(duplicateError(duplicates[d] as DuplicateKey));
  return out;
}

function duplicateError(duplicate: DuplicateKey): { error: Pick<YAMLError, "code" | "message" | "pos">; duplicate: DuplicateKey } {
  return { error: { code: "DUPLICATE_KEY", message: "Map keys must be unique", pos: [duplicate.offset, duplicate.offset + 1] }, duplicate };
}

function syntaxFinding(file: string, lc: LineCounter, err: Pick<YAMLError, "code" | "message" | "pos">, duplicate?: DuplicateKey): Finding {
  const known = YAML_CODES[err.code];
  const start = lc.linePos(err.pos[0]);
  const end = lc.linePos(err.pos[1]);
  const pos: Position = { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
  const firstLine = err.message.split("\n")[0] ?? err.message;
  if (known) return makeFinding(file, pos, "error", known.code, knownMessage(err.code, file, duplicate) ?? firstLine, known.guidance, [known.next]);
  return makeFinding(file, pos, "error", "yaml-syntax", `YAML syntax error: ${firstLine}`, "The file cannot be read until its YAML is well-formed, so none of its tools are checked or provisioned.", ["Fix the YAML at this place: check indentation (spaces, not tabs), closing quotes and brackets, and `key: value` spacing."]);
}

let plainEnvDepth = 0;

/**
 * Runs `fn` (synchronous) with `process.env` replaced by a plain copy of itself.
 *
 * The yaml package reads `process.env.LOG_TOKENS` once per token and `LOG_STREAM` once
 * per document (debugging switches). On Node every read of the real `process.env` is a
 * call into the C++ environment, about half a microsecond, which made these reads a
 * quarter of the time spent parsing a manifest. A plain object answers the same values
 * at property-access speed. The real environment is put back before this returns; batch
 * callers wrap a whole loop of parses so that the copy is made once.
 */
export function withPlainEnv<T>(fn: () => T): T {
  if (plainEnvDepth > 0) return fn();
  const real = process.env;
  process.env = { ...real };
  plainEnvDepth++;
  try {
    return fn();
  } finally {
    plainEnvDepth--;
    process.env = real;
  }
}

/**
 * False when the text cannot hold an alias: an alias (`*name`) starts a node, so its
 * `*` follows the start of the text, white space, a flow indicator or a `:`. Patterns
 * such as `docker_*` do not, so most manifests skip the walk that counts aliases.
 */
function mayHaveAlias(text: string): boolean {
  return /(?:^|[\s[{,:])\*/.test(text);
}

/**
 * The file's value by the fast path (src/io/yaml-subset.ts), or undefined when the text
 * is outside its subset or empty (the `yaml` path then reads it, or finds and places the problem).
 */
export function fastYamlValue(text: string, options?: ReadOptions): { value: unknown } | undefined {
  return readYamlSubset(text, options);
}

/**
 * Parses one YAML file. Positions are computed only where a finding needs them: a clean
 * file is read by the fast path (src/io/yaml-subset.ts, many times faster), and the `yaml`
 * package's Document with its LineCounter is built the first time something asks for a
 * place in it. Files with any YAML problem are parsed by `yaml`, which reports it.
 */
export function parseYamlSource(file: string, text: string): YamlSource {
  const fast = fastYamlValue(text);
  if (fast === undefined) return withPlainEnv(() => parseYamlSourceNow(file, text));
  let full: YamlSource | undefined;
  const locate: Locator = (path, part) => (full ??= withPlainEnv(() => parseYamlSourceNow(file, text))).locate(path, part);
  return { file, text, data: fast.value, findings: [], locate };
}

/**
 * `decodeUtf8` then `parseYamlSource`, except that a file the fast path takes is read
 * from its bytes and decoded only if something asks for its text or a place in it
 * (see readYamlSubsetBytes). The decoding's finding when the bytes cannot be read.
 */
export function parseYamlBytes(file: string, bytes: FileBytes, options?: ReadOptions): YamlSource | { finding: Finding } {
  if (isUnread(bytes)) return { finding: unreadFinding(file, bytes) };
  const fast = bytes.byteLength <= MAX_FILE_BYTES && (isAscii(bytes) || isUtf8(bytes)) ? readYamlSubsetBytes(bytes, options) : undefined;
  if (fast === undefined) {
    const decoded = decodeUtf8(file, bytes);
    return "finding" in decoded ? decoded : withPlainEnv(() => parseYamlSourceNow(file, decoded.text));
  }
  let text: string | undefined;
  let full: YamlSource | undefined;
  const textOf = () => (text ??= (decodeUtf8(file, bytes) as { text: string }).text);
  const locate: Locator = (path, part) => (full ??= withPlainEnv(() => parseYamlSourceNow(file, textOf()))).locate(path, part);
  return {
    file,
    get text() {
      return textOf();
    },
    data: fast.value,
    findings: [],
    locate,
  };
}

function parseYamlSourceNow(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  // Duplicate keys are found here (duplicateKeys): yaml's own check is quadratic in a mapping's keys.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, keepSourceTokens: false });
  const locate = makeLocator(doc, lineCounter);
  const findings: Finding[] = withDuplicateKeys(doc.errors, duplicateKeys(doc, text, lineCounter)).map(({ error, duplicate }) => syntaxFinding(file, lineCounter, error, duplicate));
  const base = { file, text, locate, doc };
  if (findings.length > 0) return { ...base, data: undefined, findings };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    findings.push(makeFinding(file, { line: 1, column: 1 }, "error", "file-empty", `${file} is empty.`, "An empty manifest gives its apprentice nothing, which is never what was meant.", ["Write at least `apprentice_type:` and `description:`, or delete the file."]));
    return { ...base, data: undefined, findings };
  }
  let aliases = 0;
  let firstAlias: Node | undefined;
  if (mayHaveAlias(text)) {
    visit(doc, {
      Alias(_, node) {
        aliases++;
        firstAlias ??= node;
      },
    });
  }
  if (aliases > MAX_ALIASES) {
    findings.push(makeFinding(file, nodePosition(firstAlias, lineCounter), "error", "yaml-alias-bomb", `${file} uses ${aliases} YAML aliases (more than ${MAX_ALIASES}).`, "Many aliases can expand exponentially (a 'billion laughs' attack); the file is not expanded.", ["Write the lists out instead of using `*alias` references."]));
    return { ...base, data: undefined, findings };
  }
  let data: unknown;
  try {
    const plain = aliases === 0 ? plainValue(doc.contents) : NOT_PLAIN;
    data = plain !== NOT_PLAIN ? plain : doc.toJS({ maxAliasCount: MAX_ALIASES * 10 });
  } catch {
    findings.push(makeFinding(file, nodePosition(firstAlias, lineCounter), "error", "yaml-alias-bomb", `${file} uses YAML aliases nested inside one another that would expand to a huge value.`, "Aliases that expand exponentially are a resource-exhaustion attack; the file is not expanded.", ["Write the lists out instead of using `*alias` references."]));
    return { ...base, data: undefined, findings };
  }
  return { ...base, data, findings };
}

const NOT_PLAIN = Symbol("not plain");

/**
 * The yaml package builds a quoted scalar one character at a time (`res += ch`), which
 * V8 keeps as a tree of concatenations: a 100-character description held as ~90 string
 * nodes. Turning the string into a number makes V8 flatten it in place, and the tree
 * becomes garbage; for ten thousand manifests that is the difference between ~190 MB and
 * ~100 MB of live heap.
 */
function flat(s: string): string {
  void Number(s);
  return s;
}

/**
 * The value `doc.toJS()` gives, for the plain YAML manifests are written in: maps with
 * string keys, lists and untagged scalars, no anchors. A fifth of a manifest's parse went
 * into `toJS`, which is general (aliases, merge keys, tags, revivers, Map output); this
 * walk is the same conversion without that generality. Anything else answers NOT_PLAIN
 * and the caller uses `toJS` itself.
 */
function plainValue(node: unknown): unknown {
  if (node === null) return null;
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string") return node.anchor || node.tag ? NOT_PLAIN : flat(v);
    return node.anchor || node.tag || (v !== null && typeof v === "object") || typeof v === "bigint" ? NOT_PLAIN : v;
  }
  if (isMap(node)) {
    if (node.anchor || node.tag || node.constructor !== YAMLMap) return NOT_PLAIN;
    // Keys are tool names as often as field names: filled as a hash table (no prototype,
    // so V8 does not derive an object shape per key), then given the usual prototype.
    const out = Object.create(null) as Record<string, unknown>;
    for (const pair of node.items) {
      const key = pair.key;
      if (!isScalar(key) || key.anchor || key.tag || typeof key.value !== "string") return NOT_PLAIN;
      const name = key.value;
      // toJS defines these specially (`__proto__`), merges (`<<`), or lets a repeat win.
      if (name === "__proto__" || name === "<<" || Object.hasOwn(out, name)) return NOT_PLAIN;
      const value = plainValue(pair.value);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out[name] = value;
    }
    return Object.setPrototypeOf(out, Object.prototype) as Record<string, unknown>;
  }
  if (isSeq(node)) {
    if (node.anchor || node.tag || node.constructor !== YAMLSeq) return NOT_PLAIN;
    const out: unknown[] = [];
    for (const item of node.items) {
      const value = plainValue(item);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      out.push(value);
    }
    return out;
  }
  return NOT_PLAIN;
}

function nodePosition(node: Node | undefined, lc: LineCounter, which: 0 | 1 = 0): Position | undefined {
  const range = node?.range;
  if (!range) return undefined;
  const start = lc.linePos(range[0]);
  const end = lc.linePos(which === 0 ? range[1] : range[2]);
  return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
}

/** Mappings with more keys than this are looked up through an index (pairByKey). */
const INDEX_FROM = 16;

/**
 * The first pair of a mapping whose key reads as `seg`. A mapping of many keys is indexed
 * once, on its first lookup: a finding per key of a mapping of 100,000 keys, each found by
 * a scan of the mapping, took minutes.
 */
function pairByKey(map: YAMLMap, seg: PropertyKey, indexes: WeakMap<YAMLMap, Map<string, Pair>>): Pair | undefined {
  if (map.items.length <= INDEX_FROM) return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
  let index = indexes.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      if (!isPair(p) || !isScalar(p.key)) continue;
      const name = String(p.key.value);
      if (!index.has(name)) index.set(name, p);
    }
    indexes.set(map, index);
  }
  return index.get(String(seg));
}

function makeLocator(doc: Document.Parsed, lc: LineCounter): Locator {
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  return (path: DocPath, part: "key" | "value" = "value") => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    let last: unknown = node;
    for (const seg of path) {
      if (isAlias(node)) break;
      keyNode = undefined;
      if (isMap(node)) {
        const pair = pairByKey(node, seg, indexes);
        if (!pair) return nodePosition(last as Node, lc);
        keyNode = pair.key;
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (item === undefined) return nodePosition(last as Node, lc);
        node = item;
      } else {
        return nodePosition(last as Node, lc);
      }
      last = part === "key" && keyNode ? keyNode : node;
    }
    if (part === "key" && keyNode) return nodePosition(keyNode as Node, lc);
    if (node && typeof node === "object" && (isMap(node) || isSeq(node))) {
      // A collection's place is where it starts; underline only its first line.
      const pos = nodePosition(node as Node, lc);
      if (pos) return { line: pos.line, column: pos.column };
    }
    return nodePosition((node ?? last) as Node, lc);
  };
}

export { positionOf };
