import { compareFindings, severityRank, type Finding, type Severity } from "../core/finding.js";
import type { ChangedLines } from "./changed-lines.js";

/** GitHub shows about ten annotations of each kind per step; the rest are only in the summary. */
export const ANNOTATIONS_PER_SEVERITY = 10;

export interface Annotation {
  severity: Severity;
  message: string;
  properties: { title: string; file: string; startLine?: number; startColumn?: number; endLine?: number; endColumn?: number };
}

/** 0: on a line the pull request changes; 1: in a file it changes; 2: elsewhere. */
function nearness(f: Finding, changed: ChangedLines | undefined): number {
  const lines = changed?.get(f.file);
  if (!lines) return 2;
  if (lines === "all") return 0;
  if (f.line === undefined) return 1;
  for (let n = f.line; n <= Math.max(f.line, f.endLine ?? f.line); n++) if (lines.has(n)) return 0;
  return 1;
}

export function annotationOf(f: Finding): Annotation {
  const steps = f.next_steps.map((s) => `→ ${s}`);
  const properties: Annotation["properties"] = { title: `${f.code} (apprentice-tools)`, file: f.file };
  if (f.line !== undefined) {
    properties.startLine = f.line;
    properties.startColumn = f.column ?? 1;
    const endLine = f.endLine ?? f.line;
    properties.endLine = endLine;
    // GitHub only accepts a column range within one line.
    if (endLine === f.line && f.endColumn !== undefined) properties.endColumn = f.endColumn;
  }
  return { severity: f.severity, message: [f.message, f.guidance, ...steps].join("\n"), properties };
}

/**
 * The findings worth an annotation, most important first: errors, then warnings, then
 * notices; within each, those on the pull request's changed lines first. At most
 * `perSeverity` of each; the others are returned to be listed in the summary.
 */
export function chooseAnnotations(findings: readonly Finding[], changed?: ChangedLines, perSeverity = ANNOTATIONS_PER_SEVERITY): { annotated: Finding[]; unannotated: Finding[] } {
  const ordered = [...findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || nearness(a, changed) - nearness(b, changed) || compareFindings(a, b));
  const annotated: Finding[] = [];
  const unannotated: Finding[] = [];
  const counts: Record<Severity, number> = { error: 0, warning: 0, notice: 0 };
  for (const f of ordered) {
    if (counts[f.severity] < perSeverity) {
      counts[f.severity]++;
      annotated.push(f);
    } else unannotated.push(f);
  }
  return { annotated, unannotated };
}
