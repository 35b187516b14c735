/** How serious a finding is. `error` fails the check by default. */
export type Severity = "error" | "warning" | "notice";

/** One problem (or observation) about a file, as DESIGN §5 specifies. */
export interface Finding {
  file: string;
  line?: number;
  column?: number;
  /** Where the offending node ends, when known (for underlining). */
  endLine?: number;
  endColumn?: number;
  severity: Severity;
  /** Stable identifier of the rule, e.g. `required-forbidden`. */
  code: string;
  message: string;
  /** Why it matters. */
  guidance: string;
  /** What to type or change. */
  next_steps: string[];
}

export interface Position {
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

/** Orders findings for display: by file, then place, then severity. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const la = a.line ?? 0;
  const lb = b.line ?? 0;
  if (la !== lb) return la - lb;
  const ca = a.column ?? 0;
  const cb = b.column ?? 0;
  if (ca !== cb) return ca - cb;
  return severityRank(a.severity) - severityRank(b.severity) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** Most important first: errors, then warnings, then notices; stable within a rank. */
export function byImportance(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || compareFindings(a, b));
}

export interface FindingSummary {
  errors: number;
  warnings: number;
  notices: number;
  files: number;
}

export function summarize(findings: readonly Finding[], files: number): FindingSummary {
  let errors = 0;
  let warnings = 0;
  let notices = 0;
  for (const f of findings) {
    if (f.severity === "error") errors++;
    else if (f.severity === "warning") warnings++;
    else notices++;
  }
  return { errors, warnings, notices, files };
}

export type FailOn = "error" | "warning" | "notice" | "never";

/** The most severe of the findings' severities, or null when there are none. */
export function worstSeverity(findings: readonly Pick<Finding, "severity">[]): Severity | null {
  let worst: Severity | null = null;
  for (const f of findings) if (worst === null || SEVERITY_RANK[f.severity] < SEVERITY_RANK[worst]) worst = f.severity;
  return worst;
}

/** True when some finding is at or above the `failOn` threshold. */
export function failsAt(findings: readonly Pick<Finding, "severity">[], failOn: FailOn): boolean {
  if (failOn === "never") return false;
  const threshold = SEVERITY_RANK[failOn];
  return findings.some((f) => SEVERITY_RANK[f.severity] <= threshold);
}

/** Builds a finding, placing it where `pos` says (when there is a place). */
export function makeFinding(
  file: string,
  pos: Position | undefined,
  severity: Severity,
  code: string,
  message: string,
  guidance: string,
  next_steps: string[],
): Finding {
  const f: Finding = { file, severity, code, message, guidance, next_steps };
  if (pos) {
    f.line = pos.line;
    f.column = pos.column;
    if (pos.endLine !== undefined) f.endLine = pos.endLine;
    if (pos.endColumn !== undefined) f.endColumn = pos.endColumn;
  }
  return f;
}
