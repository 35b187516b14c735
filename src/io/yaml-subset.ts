/**
 * A reader for the plain part of YAML that manifests are written in, in one pass over
 * the text: block mappings with simple keys, block sequences, one-line scalars (plain,
 * single- or double-quoted without escapes), one-line flow sequences of scalars, `[]`
 * and `{}`, comments and blank lines. It answers undefined for anything else (anchors,
 * aliases, tags, block scalars, multi-line scalars, escapes, flow mappings, documents
 * markers, tabs, odd indentation, duplicate keys, a root that is not a mapping…), and
 * the caller then parses the text with the `yaml` package, which reads or reports it.
 *
 * Why not js-yaml or `yaml` for every file: a fleet keeps thousands of manifests, and a
 * general parser builds tokens, nodes and positions that a clean manifest never needs;
 * this reader is several times faster than js-yaml on them. It never decides whether a
 * text is valid YAML: whatever it accepts, the `yaml` package accepts too and reads the
 * same value (YAML 1.2 core schema), which differential property tests check over
 * generated documents and mutations of real manifests (test/io/yaml-fast-path.test.ts).
 */

import { Buffer } from "node:buffer";

const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const COMMA = 0x2c;

/** Characters the reader leaves to the `yaml` package wherever they appear (tabs, controls, line separators, a BOM, non-characters, a lone CR). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSUPPORTED_CHAR = /[\x00-\x09\x0B\x0C\x0E-\x1F\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]|\r(?!\n)/;

/** Keys the core schema reads as something other than their text, or that toJS treats specially. */
const SPECIAL_KEYS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "__proto__"]);

/** YAML's limit on an implicit key's length. */
const MAX_KEY = 1024;

/** Why the reader stops: the text is outside the subset (not necessarily invalid). */
const OUTSIDE = Symbol("outside the subset");

/** The first character of a key: a letter or `_`. */
function isKeyStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

/** The other characters of a key: letters, digits, `_`, `.` and `-`. */
function isKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === DASH;
}

/**
 * Characters that may not start a plain scalar here: YAML's indicators (some of which a
 * plain scalar may start with when a safe character follows; left to `yaml`) and space.
 */
function isPlainStart(c: number): boolean {
  switch (c) {
    case SPACE:
    case DASH:
    case 0x3f: // ?
    case COLON:
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 0x26: // &
    case 0x2a: // *
    case 0x21: // !
    case 0x7c: // |
    case 0x3e: // >
    case SQUOTE:
    case DQUOTE:
    case 0x25: // %
    case 0x40: // @
    case 0x60: // `
      return false;
    default:
      return true;
  }
}

const NULL_RE = /^(?:~|[Nn]ull|NULL)$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const FLOAT_RE = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

/** A plain scalar's value under YAML 1.2's core schema, as the `yaml` package resolves it. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Most values are names and sentences: only these first characters can start a non-string.
  const maybeOther = (c >= 0x30 && c <= 0x39) || c === 0x2b || c === DASH || c === 0x2e || c === 0x7e || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46;
  if (!maybeOther) return s;
  if (NULL_RE.test(s)) return null;
  if (BOOL_RE.test(s)) return c === 0x74 || c === 0x54;
  if (INT_RE.test(s)) return s.startsWith("0o") ? parseInt(s.slice(2), 8) : s.startsWith("0x") ? parseInt(s.slice(2), 16) : parseInt(s, 10);
  if (FLOAT_RE.test(s)) {
    const last = s.charCodeAt(s.length - 1);
    if (last === 0x6e || last === 0x4e) return NaN; // .nan
    if (last === 0x66 || last === 0x46) return s.charCodeAt(0) === DASH ? -Infinity : Infinity; // .inf
    return parseFloat(s);
  }
  return s;
}

/** Index of the first character after `i` that is not a space, at most `end`. */
function skipSpaces(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  return i;
}

/** True when only spaces, or spaces then a comment, remain in [i, end). `spaced` says a space came just before i. */
function restIsEmpty(text: string, i: number, end: number, spaced: boolean): boolean {
  const j = skipSpaces(text, i, end);
  if (j === end) return true;
  return text.charCodeAt(j) === HASH && (j > i || spaced);
}

/**
 * A quoted scalar that starts at `i` and closes on the same line, followed only by spaces
 * and an optional comment; OUTSIDE otherwise (escapes, a scalar over a line end…).
 */
function quoted(text: string, i: number, end: number, slice: Slice): { value: string; next: number } | typeof OUTSIDE {
  const q = text.charCodeAt(i);
  if (q === DQUOTE) {
    for (let j = i + 1; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === BACKSLASH) return OUTSIDE;
      if (c === DQUOTE) return { value: slice(i + 1, j), next: j + 1 };
    }
    return OUTSIDE;
  }
  let value = "";
  let from = i + 1;
  for (let j = i + 1; j < end; j++) {
    if (text.charCodeAt(j) !== SQUOTE) continue;
    if (text.charCodeAt(j + 1) === SQUOTE && j + 1 < end) {
      value += slice(from, j + 1);
      from = j + 2;
      j++;
      continue;
    }
    return { value: value + slice(from, j), next: j + 1 };
  }
  return OUTSIDE;
}

/** A one-line flow sequence of scalars starting at `[` (i), or `{}`; OUTSIDE for anything richer. */
function flow(text: string, i: number, end: number, slice: Slice): { value: unknown; next: number } | typeof OUTSIDE {
  if (text.charCodeAt(i) === LBRACE) {
    const j = skipSpaces(text, i + 1, end);
    return text.charCodeAt(j) === RBRACE ? { value: {}, next: j + 1 } : OUTSIDE;
  }
  const out: unknown[] = [];
  let j = skipSpaces(text, i + 1, end);
  if (text.charCodeAt(j) === RBRACKET) return { value: out, next: j + 1 };
  for (;;) {
    if (j >= end) return OUTSIDE;
    const c = text.charCodeAt(j);
    if (c === DQUOTE || c === SQUOTE) {
      const q = quoted(text, j, end, slice);
      if (q === OUTSIDE) return OUTSIDE;
      out.push(q.value);
      j = q.next;
    } else {
      if (!isPlainStart(c)) return OUTSIDE;
      let k = j;
      for (; k < end; k++) {
        const d = text.charCodeAt(k);
        if (d === COMMA || d === RBRACKET) break;
        // In a flow: brackets, braces, `:` (a mapping) and `#` (a comment) are left to `yaml`.
        if (d === LBRACKET || d === LBRACE || d === RBRACE || d === COLON || d === HASH) return OUTSIDE;
      }
      let last = k;
      while (last > j && text.charCodeAt(last - 1) === SPACE) last--;
      out.push(resolvePlain(slice(j, last)));
      j = k;
    }
    j = skipSpaces(text, j, end);
    const d = text.charCodeAt(j);
    if (d === RBRACKET && j < end) return { value: out, next: j + 1 };
    if (d !== COMMA || j >= end) return OUTSIDE;
    j = skipSpaces(text, j + 1, end);
    // `[a,]` and `[a,,b]`: left to `yaml`.
    const e = text.charCodeAt(j);
    if (j >= end || e === COMMA || e === RBRACKET) return OUTSIDE;
  }
}

/**
 * The scalar or one-line collection that starts at `i` (not a space) and runs to the end
 * of the line's content; OUTSIDE when it is not one this reader takes.
 */
function inlineValue(text: string, i: number, end: number, slice: Slice): unknown {
  const c = text.charCodeAt(i);
  if (c === DQUOTE || c === SQUOTE) {
    const q = quoted(text, i, end, slice);
    return q !== OUTSIDE && restIsEmpty(text, q.next, end, false) ? q.value : OUTSIDE;
  }
  if (c === LBRACKET || c === LBRACE) {
    const f = flow(text, i, end, slice);
    return f !== OUTSIDE && restIsEmpty(text, f.next, end, false) ? f.value : OUTSIDE;
  }
  if (!isPlainStart(c)) return OUTSIDE;
  // A plain scalar ends at ` #` or the end of the line; `: ` or a final `:` inside it
  // would make it a mapping (an error here), so those are left to `yaml`.
  let stop = end;
  for (let k = i + 1; k < end; k++) {
    const d = text.charCodeAt(k);
    if (d === HASH && text.charCodeAt(k - 1) === SPACE) {
      stop = k;
      break;
    }
    if (d === COLON && (k + 1 === end || text.charCodeAt(k + 1) === SPACE)) return OUTSIDE;
  }
  while (text.charCodeAt(stop - 1) === SPACE) stop--;
  return resolvePlain(slice(i, stop));
}

interface Frame {
  indent: number;
  /** A mapping (null-prototype while it is filled) or a sequence. */
  map?: Record<string, unknown>;
  seq?: unknown[];
}

/**
 * Keys a kind of file is expected to use, by length (see `keyTable`). A key read from the
 * text is a fresh string, which V8 looks up in its string table at every property access;
 * one of these is used instead when the text has it, which makes the mapping's keys the
 * same strings file after file.
 */
export type KeyTable = readonly (readonly string[] | undefined)[];

export function keyTable(keys: Iterable<string>): KeyTable {
  const table: string[][] = [];
  for (const key of new Set(keys)) if (!SPECIAL_KEYS.has(key)) (table[key.length] ??= []).push(key);
  return table;
}

/** The key in text[i, k): one of `keys` when it is one. */
function keyAt(text: string, i: number, k: number, keys: KeyTable | undefined, slice: Slice): string {
  const same = keys?.[k - i];
  if (same !== undefined) for (const key of same) if (text.startsWith(key, i)) return key;
  return slice(i, k);
}

/** The string of text[from, to), made from the text or from its bytes (readYamlSubsetBytes). */
type Slice = (from: number, to: number) => string;

export interface ReadOptions {
  /** The keys this kind of file uses (see KeyTable). */
  keys?: KeyTable;
}

/**
 * The value of `text` when it lies in the subset and its root is a non-empty mapping;
 * undefined otherwise (the `yaml` package then reads it, or reports what is wrong).
 */
export function readYamlSubset(text: string, options: ReadOptions = {}): { value: Record<string, unknown> } | undefined {
  if (UNSUPPORTED_CHAR.test(text)) return undefined;
  return read(text, options.keys, (from, to) => text.slice(from, to));
}

/**
 * `UNSUPPORTED_CHAR` in UTF-8 bytes: the same code points, found by their bytes (C0
 * controls but LF and CR-LF, DEL, C1 controls as C2 80–9F, U+2028/9 as E2 80 A8/9, the
 * BOM as EF BB BF, U+FFFE/F as EF BF BE/F). A loop over the bytes: twice as fast as the
 * one regular expression it replaced, which its alternatives kept from scanning quickly.
 */
function hasUnsupportedBytes(bytes: Uint8Array): boolean {
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i] as number;
    if (b < 0x20) {
      if (b === 0x0a || (b === 0x0d && bytes[i + 1] === 0x0a)) continue;
      return true;
    }
    if (b < 0x7f) continue;
    if (b === 0x7f) return true;
    if (b === 0xc2) {
      const c = bytes[i + 1] as number;
      if (c >= 0x80 && c <= 0x9f) return true;
    } else if (b === 0xe2) {
      if (bytes[i + 1] === 0x80 && (bytes[i + 2] === 0xa8 || bytes[i + 2] === 0xa9)) return true;
    } else if (b === 0xef) {
      const c = bytes[i + 1];
      const d = bytes[i + 2];
      if ((c === 0xbb && d === 0xbf) || (c === 0xbf && (d === 0xbe || d === 0xbf))) return true;
    }
  }
  return false;
}

type SlicingBuffer = Buffer & { latin1Slice?: (start: number, end: number) => string; utf8Slice?: (start: number, end: number) => string };

/**
 * `readYamlSubset` of the text whose UTF-8 bytes these are (the caller has checked that
 * they are UTF-8), without decoding them first. The bytes are read as Latin-1, one
 * character per byte: everything the reader looks for is ASCII, which UTF-8 never uses
 * inside a longer character, so it finds the same structure at the same offsets; each
 * scalar is then made from its own bytes (as UTF-8 when it has any byte past ASCII).
 * Every string made this way is flat and, for names, one byte per character: faster to
 * hash and compare than views into a decoded text (a manifest with one `…` in a comment
 * decodes to two bytes per character), and no text is kept alive by the names in it.
 */
export function readYamlSubsetBytes(bytes: Uint8Array, options: ReadOptions = {}): { value: Record<string, unknown> } | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as SlicingBuffer;
  // The undocumented slicers that toString() calls, when this Node has them: a third of the cost.
  const latin1: Slice = typeof buf.latin1Slice === "function" ? buf.latin1Slice.bind(buf) : (from, to) => buf.toString("latin1", from, to);
  const utf8: Slice = typeof buf.utf8Slice === "function" ? buf.utf8Slice.bind(buf) : (from, to) => buf.toString("utf8", from, to);
  if (hasUnsupportedBytes(bytes)) return undefined;
  const text = latin1(0, bytes.length);
  // Short ASCII scalars (tool names, mostly) come from the intern table; a scalar is short,
  // so its own bytes say faster than a regular expression over its string whether it needs UTF-8.
  return read(text, options.keys, (from, to) => interned(bytes, from, to, latin1) ?? (isAsciiRange(bytes, from, to) ? latin1(from, to) : utf8(from, to)));
}

function isAsciiRange(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}

/**
 * Strings of short ASCII scalars read before (on this thread), by a hash of their bytes.
 * A fleet's manifests name the same few thousand tools over and over: each name is made
 * once and then found again by its bytes, which is cheaper than making a new string (a
 * call into Node's buffer code, and garbage), and every later use of the name is cheaper
 * too: V8 hashes a string once, so the rules and provisioning, which look each name up in
 * several maps and sets, find it by a hash already known and compare it by identity.
 * Open addressing over a fixed table; when it fills up it is simply emptied.
 */
const INTERN_SLOTS = 1 << 14;
const INTERN_MAX_BYTES = 64;
const INTERN_MAX_USED = INTERN_SLOTS >> 1;
const internHashes = new Int32Array(INTERN_SLOTS);
const internStrings: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);
let internUsed = 0;

/** The string of bytes[from, to) from the intern table (made and kept when new); undefined for an empty, long or non-ASCII scalar. */
function interned(bytes: Uint8Array, from: number, to: number, make: Slice): string | undefined {
  const length = to - from;
  if (length === 0 || length > INTERN_MAX_BYTES) return undefined;
  // FNV-1a over the bytes; the check for non-ASCII rides along.
  let hash = 0x811c9dc5 | 0;
  let high = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    high |= b;
    hash = Math.imul(hash ^ b, 0x01000193);
  }
  if (high >= 0x80) return undefined;
  const mask = INTERN_SLOTS - 1;
  for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
    const known = internStrings[slot];
    if (known === undefined) break;
    if (internHashes[slot] === hash && known.length === length && sameAscii(known, bytes, from)) return known;
  }
  if (internUsed >= INTERN_MAX_USED) {
    internStrings.fill(undefined);
    internUsed = 0;
  }
  let slot = hash & mask;
  while (internStrings[slot] !== undefined) slot = (slot + 1) & mask;
  const made = make(from, to);
  internStrings[slot] = made;
  internHashes[slot] = hash;
  internUsed++;
  return made;
}

function sameAscii(s: string, bytes: Uint8Array, from: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== bytes[from + i]) return false;
  return true;
}

function read(text: string, keys: KeyTable | undefined, slice: Slice): { value: Record<string, unknown> } | undefined {
  const root: Record<string, unknown> = {};
  const stack: Frame[] = [];
  const maps: Record<string, unknown>[] = [];
  /** A `key:` with nothing after it, waiting to see whether a block follows. */
  let pendingMap: Record<string, unknown> | undefined;
  let pendingKey = "";
  let pendingIndent = -1;
  const n = text.length;
  for (let start = 0; start < n; ) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = n;
    const next = end + 1;
    if (end > start && text.charCodeAt(end - 1) === 0x0d) end--;
    const indent = skipSpaces(text, start, end) - start;
    const i = start + indent;
    start = next;
    if (i === end) continue; // blank
    const c = text.charCodeAt(i);
    if (c === HASH) continue; // a comment line
    const isItem = c === DASH && (i + 1 === end || text.charCodeAt(i + 1) === SPACE);
    if (!isItem && !isKeyStart(c)) return undefined;

    if (stack.length === 0) {
      // The root: a mapping at the first column (a root list or scalar goes to `yaml`).
      if (isItem || indent !== 0) return undefined;
      stack.push({ indent: 0, map: root });
    } else if (pendingMap !== undefined) {
      const parent = pendingMap;
      const key = pendingKey;
      pendingMap = undefined;
      if (isItem && indent >= pendingIndent) {
        const seq: unknown[] = [];
        parent[key] = seq;
        stack.push({ indent, seq });
      } else if (!isItem && indent > pendingIndent) {
        const map = Object.create(null) as Record<string, unknown>;
        maps.push(map);
        parent[key] = map;
        stack.push({ indent, map });
      } else {
        parent[key] = null;
      }
    }
    // Close the blocks this line is outside of; a sequence at its mapping's own column
    // (`key:` then `- item` below it, unindented) ends at the next key.
    let top = stack[stack.length - 1] as Frame;
    while (top.indent > indent || (top.indent === indent && top.seq !== undefined && !isItem)) {
      stack.pop();
      if (stack.length === 0) return undefined;
      top = stack[stack.length - 1] as Frame;
    }
    if (top.indent !== indent) return undefined; // a continuation line or odd indentation

    if (isItem) {
      const seq = top.seq;
      if (seq === undefined) return undefined;
      const j = skipSpaces(text, i + 1, end);
      // `-` alone (a nested block or a null item), or `- - x`: left to `yaml`.
      if (j === end || text.charCodeAt(j) === HASH || (text.charCodeAt(j) === DASH && (j + 1 === end || text.charCodeAt(j + 1) === SPACE))) return undefined;
      const value = inlineValue(text, j, end, slice);
      if (value === OUTSIDE) return undefined;
      seq.push(value);
      continue;
    }

    const map = top.map;
    if (map === undefined) return undefined;
    let k = i + 1;
    while (k < end && isKeyChar(text.charCodeAt(k))) k++;
    if (k === end || text.charCodeAt(k) !== COLON || k - i > MAX_KEY) return undefined;
    const colonEnd = k + 1;
    if (colonEnd < end && text.charCodeAt(colonEnd) !== SPACE) return undefined;
    const key = keyAt(text, i, k, keys, slice);
    if (Object.hasOwn(map, key) || SPECIAL_KEYS.has(key)) return undefined;
    const j = skipSpaces(text, colonEnd, end);
    if (j === end || text.charCodeAt(j) === HASH) {
      // Filled when the next content line shows whether a block follows; a key holds
      // null meanwhile, so that a repeat of it is still seen as a duplicate.
      map[key] = null;
      pendingMap = map;
      pendingKey = key;
      pendingIndent = indent;
      continue;
    }
    const value = inlineValue(text, j, end, slice);
    if (value === OUTSIDE) return undefined;
    map[key] = value;
  }
  if (stack.length === 0) return undefined; // nothing but comments: `yaml` says it is empty
  for (const m of maps) Object.setPrototypeOf(m, Object.prototype);
  return { value: root };
}
