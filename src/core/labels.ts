import type { FeedbackKind } from "./feedback-entry.js";

/** GitHub refuses label names longer than this. */
export const LABEL_MAX = 50;

export interface LabelStyle {
  name: string;
  color: string;
  description: string;
}

export const LABELS = {
  feedback: { name: "apprentice-feedback", color: "5319e7", description: "Feedback from or for an AI apprentice" },
  needsInfo: { name: "needs-info", color: "fbca04", description: "apprentice-tools could not understand part of this feedback" },
  critical: { name: "severity:critical", color: "b60205", description: "An apprentice is blocked or lacks a required tool" },
  dashboard: { name: "apprentice-tools:dashboard", color: "0e8a16", description: "The apprentice-tools evidence dashboard" },
  suggestion: { name: "apprentice-tools:suggestion", color: "1d76db", description: "A manifest change proposed from apprentice feedback" },
} as const satisfies Record<string, LabelStyle>;

const KIND_LABELS: Record<FeedbackKind, LabelStyle> = {
  "missing-tool": { name: "feedback:missing-tool", color: "d93f0b", description: "An apprentice was missing a tool" },
  "tool-problem": { name: "feedback:tool-problem", color: "e99695", description: "A tool an apprentice has misbehaved" },
  "tool-suggestion": { name: "feedback:tool-suggestion", color: "c5def5", description: "An apprentice suggests a better tool" },
};

export function kindLabel(kind: FeedbackKind): LabelStyle {
  return KIND_LABELS[kind];
}

/**
 * A 62-bit hash in 12 base-36 characters, stable across runs, machines and versions (it
 * names labels that live on in repositories, so it must never change). Two 32-bit lanes,
 * each a bijective multiply-xorshift step per UTF-16 unit with a final avalanche, so
 * every character of the input reaches every output bit.
 */
export function stableHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x3c6ef372;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = avalanche(a ^ text.length);
  b = avalanche(b ^ Math.imul(text.length, 0x9e3779b1));
  const value = ((BigInt(a >>> 0) << 32n) | BigInt(b >>> 0)) % 36n ** 12n;
  return value.toString(36).padStart(12, "0");
}

/** MurmurHash3's finaliser: a bijection of 32 bits in which each input bit flips about half the output bits. */
function avalanche(h: number): number {
  let x = h;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** `prefix + value`, shortened with a stable hash when over GitHub's 50-character cap. */
export function cappedLabel(prefix: string, value: string): string {
  const full = prefix + value;
  if (full.length <= LABEL_MAX) return full;
  const hash = stableHash(value);
  return `${full.slice(0, LABEL_MAX - hash.length - 1)}~${hash}`;
}

export function apprenticeLabel(type: string): LabelStyle {
  return { name: cappedLabel("apprentice:", type), color: "bfd4f2", description: `Feedback about the ${type} apprentice`.slice(0, 100) };
}

export function toolLabel(tool: string): LabelStyle {
  return { name: cappedLabel("tool:", tool), color: "d4c5f9", description: `Feedback about the tool ${tool}`.slice(0, 100) };
}

/** True for the labels the bot manages on feedback issues (and may remove when an edit makes them wrong). */
export function isManagedLabel(name: string): boolean {
  return name.startsWith("feedback:") || name.startsWith("apprentice:") || name.startsWith("tool:") || name === LABELS.critical.name || name === LABELS.needsInfo.name;
}
