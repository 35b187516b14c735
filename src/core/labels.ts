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
 * 64 bits of FNV-1a (two 32-bit lanes with different offsets), in base 36: stable across
 * runs and machines, and wide enough that two different names do not meet in practice.
 */
export function stableHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2 * i + 1) >>> 0;
  }
  return (a.toString(36).padStart(7, "0") + b.toString(36).padStart(7, "0")).slice(0, 12);
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
