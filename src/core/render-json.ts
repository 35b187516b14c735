import type { Finding, FindingSummary } from "./finding.js";
import type { WritePiece } from "./pieces.js";
import type { ApprenticePlan, Plan } from "./plan.js";
import type { Exclusion, ExclusionReason } from "./provision.js";

/**
 * `check --format json` (DESIGN §5), written piece by piece, one finding at a time: the
 * same text as `JSON.stringify({ findings, summary }, null, 2)` and a line break, for any
 * number of findings (millions of them make more text than one string can hold).
 */
export function writeFindingsJson(findings: readonly Finding[], summary: FindingSummary, write: WritePiece): void {
  if (findings.length === 0) write('{\n  "findings": [],\n');
  else {
    write('{\n  "findings": [\n');
    findings.forEach((f, i) => write(`${findingJson(f)}${i < findings.length - 1 ? ",\n" : "\n"}`));
    write("  ],\n");
  }
  write(`  "summary": ${indented(JSON.stringify(summary, null, 2), "  ")}\n}\n`);
}

/**
 * `JSON.stringify(value, null, 2)` and a line break, written in pieces: the first `depth`
 * levels of objects and arrays member by member, each member below them in one piece.
 * For plain data (what JSON.parse gives, plus undefined members, which are left out).
 */
export function writePrettyJson(value: unknown, write: WritePiece, depth = 2): void {
  const walk = (raw: unknown, indent: string, level: number): void => {
    const v = raw !== null && typeof raw === "object" && typeof (raw as { toJSON?: unknown }).toJSON === "function" ? (raw as { toJSON(): unknown }).toJSON() : raw;
    if (level >= depth || v === null || typeof v !== "object") {
      write(indented(JSON.stringify(v, null, 2) ?? "null", indent));
      return;
    }
    const inner = `${indent}  `;
    const entries: [string | undefined, unknown][] = Array.isArray(v) ? v.map((item: unknown) => [undefined, item]) : Object.entries(v).filter(([, item]) => item !== undefined && typeof item !== "function");
    const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
    if (entries.length === 0) {
      write(`${open}${close}`);
      return;
    }
    write(`${open}\n`);
    entries.forEach(([key, item], i) => {
      write(key === undefined ? inner : `${inner}${JSON.stringify(key)}: `);
      walk(typeof item === "function" || item === undefined ? null : item, inner, level + 1);
      write(i < entries.length - 1 ? ",\n" : "\n");
    });
    write(`${indent}${close}`);
  };
  walk(value, "", 0);
  write("\n");
}

/**
 * `JSON.stringify(publicFinding(f), null, 2)` as it stands in the report (indented by four
 * spaces), made field by field: the report of millions of findings spends its time here.
 */
function findingJson(f: Finding): string {
  const place = f.line !== undefined ? `\n      "line": ${JSON.stringify(f.line)},\n      "column": ${JSON.stringify(f.column ?? 1)},` : "";
  const steps = f.next_steps.length === 0 ? "[]" : `[\n        ${f.next_steps.map((s) => JSON.stringify(s)).join(",\n        ")}\n      ]`;
  return `    {\n      "file": ${JSON.stringify(f.file)},${place}\n      "severity": ${JSON.stringify(f.severity)},\n      "code": ${JSON.stringify(f.code)},\n      "message": ${JSON.stringify(f.message)},\n      "guidance": ${JSON.stringify(f.guidance)},\n      "next_steps": ${steps}\n    }`;
}

/** `check --format json` (writeFindingsJson) as one string. */
export function renderFindingsJson(findings: readonly Finding[], summary: FindingSummary): string {
  const pieces: string[] = [];
  writeFindingsJson(findings, summary, (piece) => pieces.push(piece));
  return pieces.join("");
}

/** The public finding shape: DESIGN §5 fields only, in a stable order. */
export function publicFinding(f: Finding): Finding {
  const place = f.line !== undefined ? { line: f.line, column: f.column ?? 1 } : {};
  return { file: f.file, ...place, severity: f.severity, code: f.code, message: f.message, guidance: f.guidance, next_steps: f.next_steps };
}

/** One apprentice as `plan --format json` shows it: DESIGN §5's fields only. */
export interface PublicApprenticePlan {
  apprentice_type: string;
  file: string;
  status: ApprenticePlan["status"];
  tools: string[];
  excluded: { tool: string; reason: ExclusionReason }[];
  substitutions: { tool: string; with: string }[];
  capacity: { used: number; available: number };
  tokens: number | null;
  changes?: { added: string[]; removed: string[] };
}

export interface PublicPlan {
  limits: { max_tools: number; safety_margin: number; max_tokens: number | null };
  apprentices: PublicApprenticePlan[];
}

/** The public plan shape (DESIGN §5): scripts rely on it, so internal fields stay out. */
export function publicPlan(plan: Plan): PublicPlan {
  return {
    limits: { max_tools: plan.limits.max_tools, safety_margin: plan.limits.safety_margin, max_tokens: plan.limits.max_tokens },
    apprentices: plan.apprentices.map((a) => {
      const out: PublicApprenticePlan = {
        apprentice_type: a.apprentice_type,
        file: a.file,
        status: a.status,
        tools: [...a.tools],
        excluded: a.excluded.map((e) => ({ tool: e.tool, reason: e.reason })),
        substitutions: a.substitutions.map((s) => ({ tool: s.tool, with: s.with })),
        capacity: { used: a.capacity.used, available: a.capacity.available },
        tokens: a.tokens,
      };
      if (a.changes) out.changes = { added: [...a.changes.added], removed: [...a.changes.removed] };
      return out;
    }),
  };
}

/** JSON text indented by `by` after every line break (JSON strings hold no raw line breaks). */
export function indented(json: string, by: string): string {
  return json.replace(/\n/g, `\n${by}`);
}

/** One apprentice's public entry, as `plan --format json` writes it inside `apprentices`. */
export function apprenticeJson(a: ApprenticePlan): string {
  const one = publicPlan({ limits: { max_tools: 0, safety_margin: 0, max_tokens: null }, apprentices: [a] }).apprentices[0];
  return `    ${indented(JSON.stringify(one, null, 2), "    ")}`;
}

/**
 * UTF-8 bytes written one after the other into a buffer that grows as needed. The plan
 * entries of ten thousand apprentices are tens of megabytes of JSON: written as bytes
 * straight away, they are never a JavaScript string (no pieces to join, no copy to encode,
 * nothing for the garbage collector to walk), and cross threads and files as they are.
 */
export class Utf8Sink {
  bytes: Uint8Array;
  length = 0;
  constructor(capacity = 4096) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** Any text, encoded as UTF-8. */
  text(text: string): void {
    // UTF-8 takes at most three bytes per UTF-16 unit.
    this.reserve(text.length * 3);
    this.length += encoder.encodeInto(text, this.bytes.subarray(this.length)).written;
  }

  /** Text known to be printable ASCII (JSON punctuation, keys, numbers). */
  ascii(text: string): void {
    this.reserve(text.length);
    const { bytes } = this;
    let at = this.length;
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /** `JSON.stringify(text)`: copied as it is when it is printable ASCII with nothing to escape (tool names are). */
  jsonString(text: string): void {
    const n = text.length;
    this.reserve(n + 2);
    const { bytes } = this;
    let at = this.length;
    bytes[at++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.text(JSON.stringify(text));
        return;
      }
      bytes[at++] = c;
    }
    bytes[at++] = 0x22;
    this.length = at;
  }

  /**
   * `prefix`, `JSON.stringify(text)` and `suffix` (all three the same for a given `cache`),
   * for texts that recur (tool names, reasons): a fleet's plans name the same few thousand
   * tools over and over, so each piece is encoded once and then copied as bytes.
   */
  cached(cache: Map<string, Uint8Array>, prefix: string, text: string, suffix: string): void {
    let piece = cache.get(text);
    if (piece === undefined) {
      piece = encoder.encode(`${prefix}${JSON.stringify(text)}${suffix}`);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(text, piece);
    }
    this.raw(piece);
  }

  /** Bytes written elsewhere. */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** An exact copy of what was written (the buffer itself keeps its spare room). */
  copy(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
const encoder = new TextEncoder();
const MAX_CACHED = 50_000;

const ENTRY_END = "\n    }";
/** Pieces of a plan entry's lists, by the text they hold (Utf8Sink.cached). */
const ITEM = "\n        ";
const listItems = new Map<string, Uint8Array>();
const toolOfPair = new Map<string, Uint8Array>();
const withOfPair = new Map<string, Uint8Array>();

/** A list of strings, as `JSON.stringify(list, null, 2)` lays it out at the entry's field depth. */
function stringList(list: readonly string[], out: Utf8Sink): void {
  if (list.length === 0) return out.ascii("[]");
  out.ascii("[");
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out.ascii(",");
    out.cached(listItems, ITEM, list[i] as string, "");
  }
  out.ascii("\n      ]");
}

/** A list of two-field objects with string values, laid out as `JSON.stringify(list, null, 2)` does at the entry's field depth. */
function pairList<T>(list: readonly T[], k1: string, v1: (x: T) => string, k2: string, v2: (x: T) => string, first: Map<string, Uint8Array>, second: Map<string, Uint8Array>, out: Utf8Sink): void {
  if (list.length === 0) return out.ascii("[]");
  out.ascii("[");
  for (let i = 0; i < list.length; i++) {
    const x = list[i] as T;
    if (i > 0) out.ascii(",");
    out.cached(first, `${ITEM}{\n          "${k1}": `, v1(x), ",");
    out.cached(second, `\n          "${k2}": `, v2(x), "\n        }");
  }
  out.ascii("\n      ]");
}

/**
 * Exclusions, as `pairList` lays them out, each one piece: its tool and reason, encoded
 * once per reason and tool (a large plan excludes hundreds of tools per apprentice, nearly
 * all for one of a few reasons).
 */
function exclusionList(list: readonly Exclusion[], out: Utf8Sink): void {
  if (list.length === 0) return out.ascii("[]");
  out.ascii("[");
  let reason: string | undefined;
  let pieces = new Map<string, Uint8Array>();
  let end = "";
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as Exclusion;
    if (i > 0) out.ascii(",");
    if (e.reason !== reason) {
      reason = e.reason;
      end = `,\n          "reason": ${JSON.stringify(reason)}\n        }`;
      const known = exclusionPieces.get(reason);
      if (known === undefined) exclusionPieces.set(reason, pieces = new Map());
      else pieces = known;
    }
    out.cached(pieces, EXCLUSION_START, e.tool, end);
  }
  out.ascii("\n      ]");
}
const EXCLUSION_START = `${ITEM}{\n          "tool": `;
/** Pieces of exclusion lists, by reason, then by tool. */
const exclusionPieces = new Map<string, Map<string, Uint8Array>>();

/** The fields of a plan entry its JSON head is made of. */
export type ApprenticeJsonFields = Pick<ApprenticePlan, "apprentice_type" | "file" | "status" | "tools" | "excluded" | "substitutions" | "capacity">;

/**
 * `apprenticeJson(a)` up to its token count, as UTF-8, for an entry without `changes`
 * (where `tokens` is the last field): the head, the count, then the entry's end make the
 * whole (`writeApprenticeJsonTail`). A check stores heads so that a later plan writes them
 * without provisioning again, so this is written out directly, as bytes; a property test
 * holds it to `apprenticeJson` (test/core/render-json.test.ts).
 */
export function writeApprenticeJsonHead(a: ApprenticeJsonFields, out: Utf8Sink): void {
  out.ascii('    {\n      "apprentice_type": ');
  out.jsonString(a.apprentice_type);
  out.ascii(',\n      "file": ');
  out.jsonString(a.file);
  out.ascii(',\n      "status": ');
  out.jsonString(a.status);
  out.ascii(',\n      "tools": ');
  stringList(a.tools, out);
  out.ascii(',\n      "excluded": ');
  exclusionList(a.excluded, out);
  out.ascii(',\n      "substitutions": ');
  pairList(a.substitutions, "tool", (s) => s.tool, "with", (s) => s.with, toolOfPair, withOfPair, out);
  out.ascii(',\n      "capacity": {\n        "used": ');
  out.ascii(JSON.stringify(a.capacity.used));
  out.ascii(',\n        "available": ');
  out.ascii(JSON.stringify(a.capacity.available));
  out.ascii('\n      },\n      "tokens": ');
}

/** What completes a head: the token count and the entry's end. */
export function writeApprenticeJsonTail(tokens: number | null, out: Utf8Sink): void {
  out.ascii(JSON.stringify(tokens));
  out.ascii(ENTRY_END);
}

/** `plan --format json` (DESIGN §5). */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(publicPlan(plan), null, 2) + "\n";
}
