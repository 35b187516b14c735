import { isMap, isPair, isScalar, isSeq, parse, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import type { Proposal, ToolList } from "./suggest.js";

/**
 * Edits of a manifest's tool lists that leave every other byte of the file as it
 * was: comments, order, quoting, alignment. The change is made twice: on the
 * `yaml` Document model (which says what the file must mean afterwards) and as a
 * minimal splice of the text at the node ranges the parser reports (because
 * `Document.toString()` re-flows long strings and comment spacing on other lines).
 * The splice is accepted only when it parses to exactly the model's value.
 */

export type ManifestEdit =
  | { op: "append"; list: ToolList; tool: string }
  | { op: "replace"; lists: readonly ToolList[]; tool: string; with: string }
  | { op: "remove"; list: ToolList; tool: string };

export type EditResult = { ok: true; text: string } | { ok: false; reason: string };

interface Splice {
  start: number;
  end: number;
  insert: string;
}

/** The edit that carries out a proposal. */
export function editForProposal(p: Proposal): ManifestEdit {
  if (p.change === "add") return { op: "append", list: "optional_tools", tool: p.tool };
  if (p.change === "remove") return { op: "remove", list: "optional_tools", tool: p.tool };
  return { op: "replace", lists: p.lists, tool: p.tool, with: p.replacement ?? p.tool };
}

/** Applies a proposal to the manifest text; see {@link editManifestText}. */
export function applyProposal(text: string, p: Proposal): EditResult {
  return editManifestText(text, editForProposal(p));
}

/** Applies one edit; only the lines it is about change. Never throws. */
export function editManifestText(text: string, edit: ManifestEdit): EditResult {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return { ok: false, reason: `the manifest is not valid YAML (${doc.errors[0]?.message.split("\n")[0] ?? "syntax error"})` };
  if (!isMap(doc.contents)) return { ok: false, reason: "the manifest is not a mapping of fields" };
  const expected = expectedValue(doc, edit);
  if (typeof expected === "string") return { ok: false, reason: expected };

  let current = text;
  // Each step splices one place and re-reads the file, so several occurrences never overlap.
  for (let step = 0; step < 1000; step++) {
    const d = parseDocument(current);
    const root = d.contents as YAMLMap;
    const splice = new TextEditor(current, root).next(edit);
    if (typeof splice === "string") return { ok: false, reason: splice };
    if (splice === undefined) break;
    current = current.slice(0, splice.start) + splice.insert + current.slice(splice.end);
    if (edit.op === "append") break;
  }
  const after = parseDocument(current);
  if (after.errors.length > 0 || !sameValue(after.toJS(), expected)) {
    return { ok: false, reason: `the ${listNames(edit)} could not be edited without reformatting the file; edit it by hand` };
  }
  return { ok: true, text: current };
}

function listNames(edit: ManifestEdit): string {
  return edit.op === "replace" ? edit.lists.join(" and ") : edit.list;
}

/** The value the file must have afterwards, from the Document API; or why the edit cannot be made. */
function expectedValue(doc: Document.Parsed, edit: ManifestEdit): unknown {
  const model = doc.clone();
  const lists = edit.op === "replace" ? edit.lists : [edit.list];
  for (const list of lists) {
    const node = model.get(list, true);
    if (edit.op === "append") {
      if (isSeq(node)) node.add(model.createNode(edit.tool));
      else if (node === undefined || node === null || (isScalar(node) && node.value === null)) model.set(list, model.createNode([edit.tool]));
      else return `\`${list}\` is not a list`;
      continue;
    }
    if (!isSeq(node)) return `\`${list}\` is not a list`;
    const at = indexesOf(node, edit.tool);
    if (at.length === 0) return `\`${edit.tool}\` is not listed in \`${list}\``;
    for (const i of at.reverse()) {
      if (edit.op === "remove") node.delete(i);
      else node.set(i, model.createNode(edit.with));
    }
  }
  return model.toJS();
}

function indexesOf(seq: YAMLSeq, tool: string): number[] {
  const out: number[] = [];
  seq.items.forEach((item, i) => {
    if (isScalar(item) && item.value === tool) out.push(i);
  });
  return out;
}

/** How a tool name is written: plain when YAML reads it back unchanged, else double-quoted. */
export function scalarText(tool: string): string {
  try {
    const block = parse(`- ${tool}`) as unknown;
    const flow = parse(`[${tool}]`) as unknown;
    if (Array.isArray(block) && block[0] === tool && Array.isArray(flow) && flow[0] === tool && flow.length === 1) return tool;
  } catch {
    // fall through to quoting
  }
  return JSON.stringify(tool);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

const range = (n: Node | null | undefined): [number, number, number] | undefined => (n as { range?: [number, number, number] } | null | undefined)?.range ?? undefined;

/** Finds the next splice of an edit in the current text (undefined: nothing left to do). */
class TextEditor {
  private readonly eol: string;

  constructor(
    private readonly text: string,
    private readonly root: YAMLMap,
  ) {
    this.eol = text.includes("\r\n") ? "\r\n" : "\n";
  }

  next(edit: ManifestEdit): Splice | string | undefined {
    if (edit.op === "append") return this.append(edit.list, edit.tool);
    const lists = edit.op === "replace" ? edit.lists : [edit.list];
    for (const list of lists) {
      const seq = this.pair(list)?.value;
      if (!isSeq(seq)) continue;
      const i = indexesOf(seq, edit.tool)[0];
      if (i === undefined) continue;
      return edit.op === "remove" ? this.remove(list, seq, i) : this.replace(seq, i, edit.with);
    }
    return undefined;
  }

  private pair(list: string): Pair<Node, Node | null> | undefined {
    return this.root.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === list) as Pair<Node, Node | null> | undefined;
  }

  private lineStart(pos: number): number {
    return this.text.lastIndexOf("\n", pos - 1) + 1;
  }

  /** Where the line holding `pos` ends (before its `\r\n` or `\n`). */
  private lineEnd(pos: number): number {
    const nl = this.text.indexOf("\n", pos);
    if (nl === -1) return this.text.length;
    return nl > 0 && this.text[nl - 1] === "\r" ? nl - 1 : nl;
  }

  /** The `-` of a block sequence item, and the whitespace before it on its line. */
  private dashOf(item: Node): { dash: number; indent: string; gap: string } | undefined {
    const r = range(item);
    if (!r) return undefined;
    let dash = r[0] - 1;
    while (dash >= 0 && /\s/.test(this.text[dash] ?? "")) dash--;
    if (this.text[dash] !== "-") return undefined;
    const start = this.lineStart(dash);
    const indent = this.text.slice(start, dash);
    if (!/^[ \t]*$/.test(indent)) return undefined;
    const gap = this.text.slice(dash + 1, r[0]);
    return { dash, indent, gap: /^[ \t]+$/.test(gap) ? gap : " " };
  }

  private append(list: ToolList, tool: string): Splice | string {
    const scalar = scalarText(tool);
    const pair = this.pair(list);
    const seq = pair?.value;
    if (isSeq(seq) && seq.flow) {
      const items = seq.items as Node[];
      const last = items[items.length - 1];
      if (last === undefined) {
        const open = this.text.indexOf("[", range(seq)?.[0] ?? 0);
        return open === -1 ? "cannot find the list's `[`" : { start: open + 1, end: open + 1, insert: scalar };
      }
      const second = items[1];
      const sep = second && items[0] ? this.text.slice(range(items[0])?.[1] ?? 0, range(second)?.[0] ?? 0) : ", ";
      const end = range(last)?.[1] ?? 0;
      return { start: end, end, insert: `${/^\s*,\s*$/.test(sep) ? sep : ", "}${scalar}` };
    }
    if (isSeq(seq)) {
      const last = seq.items[seq.items.length - 1] as Node | undefined;
      const place = last && this.dashOf(last);
      if (!last || !place) return `cannot find where the items of \`${list}\` are written`;
      const at = this.lineEnd(range(last)?.[1] ?? 0);
      return { start: at, end: at, insert: `${this.eol}${place.indent}-${place.gap}${scalar}` };
    }
    if (pair && (pair.value === null || (isScalar(pair.value) && pair.value.value === null))) {
      const valueRange = range(pair.value);
      if (valueRange && valueRange[1] > valueRange[0]) return { start: valueRange[0], end: valueRange[1], insert: `[${scalar}]` };
      const keyEnd = range(pair.key)?.[1] ?? 0;
      const at = this.lineEnd(keyEnd);
      return { start: at, end: at, insert: `${this.eol}${this.keyIndent(pair.key)}  - ${scalar}` };
    }
    if (pair) return `\`${list}\` is not a list`;
    return this.appendKey(list, scalar);
  }

  private keyIndent(key: Node): string {
    const start = range(key)?.[0] ?? 0;
    return this.text.slice(this.lineStart(start), start).replace(/[^ \t]/g, " ");
  }

  /** A new `list:` key with one item, after `required_tools` (or after the last field). */
  private appendKey(list: ToolList, scalar: string): Splice | string {
    const anchor = this.pair("required_tools") ?? (this.root.items[this.root.items.length - 1] as Pair<Node, Node | null> | undefined);
    if (!anchor) return "the manifest has no fields to add to";
    const anchorSeq = anchor.value;
    let itemIndent = `${this.keyIndent(anchor.key)}  `;
    let gap = " ";
    let end = range(anchor.value)?.[1] ?? range(anchor.key)?.[1] ?? 0;
    if (isSeq(anchorSeq) && !anchorSeq.flow && anchorSeq.items.length > 0) {
      const last = anchorSeq.items[anchorSeq.items.length - 1] as Node;
      end = range(last)?.[1] ?? end;
      const place = this.dashOf(last);
      if (place) {
        itemIndent = place.indent;
        gap = place.gap;
      }
    }
    const at = this.lineEnd(end);
    return { start: at, end: at, insert: `${this.eol}${this.keyIndent(anchor.key)}${list}:${this.eol}${itemIndent}-${gap}${scalar}` };
  }

  private replace(seq: YAMLSeq, i: number, replacement: string): Splice | string {
    const r = range(seq.items[i] as Node);
    if (!r) return "cannot find the item to replace";
    const insert = scalarText(replacement);
    if (seq.flow) return { start: r[0], end: r[1], insert };
    // Keep a trailing comment where it was, when there is room.
    const pad = /^[ \t]+(?=#)/.exec(this.text.slice(r[1], this.lineEnd(r[1]) + 1))?.[0];
    if (!pad) return { start: r[0], end: r[1], insert };
    const width = Math.max(1, pad.length + (r[1] - r[0]) - insert.length);
    return { start: r[0], end: r[1] + pad.length, insert: insert + " ".repeat(width) };
  }

  private remove(list: ToolList, seq: YAMLSeq, i: number): Splice | string {
    const items = seq.items as Node[];
    const item = items[i] as Node;
    const r = range(item);
    if (!r) return "cannot find the item to remove";
    if (seq.flow) {
      const next = items[i + 1];
      const prev = items[i - 1];
      if (next) return { start: r[0], end: range(next)?.[0] ?? r[1], insert: "" };
      if (prev) return { start: range(prev)?.[1] ?? r[0], end: r[1], insert: "" };
      return { start: r[0], end: r[1], insert: "" };
    }
    const place = this.dashOf(item);
    if (!place) return `cannot find where \`${list}\` item ${i + 1} is written`;
    const rest = this.text.slice(r[1], this.lineEnd(r[1]));
    if (!/^[ \t]*(#.*)?$/.test(rest)) return `\`${list}\` item ${i + 1} shares its line with something else`;
    const start = this.lineStart(place.dash);
    const lineEnd = this.lineEnd(r[1]);
    const nl = this.text.indexOf("\n", lineEnd);
    // The whole line goes, trailing comment and line break included.
    const splice: Splice = nl === -1 ? { start: Math.max(0, start - this.eol.length), end: lineEnd, insert: "" } : { start, end: nl + 1, insert: "" };
    if (items.length === 1) {
      // The last item: the key keeps an empty list, not an empty (null) value.
      const pair = this.pair(list);
      const colon = pair ? this.text.indexOf(":", range(pair.key)?.[1] ?? 0) : -1;
      if (colon === -1 || colon >= splice.start) return `cannot find the \`${list}:\` key`;
      return { start: colon + 1, end: splice.end, insert: ` []${this.text.slice(colon + 1, splice.start)}` };
    }
    return splice;
  }
}
