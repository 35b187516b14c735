import type { Finding, FindingSummary } from "./finding.js";
import type { Plan } from "./plan.js";

/** `check --format json` (DESIGN §5). */
export function renderFindingsJson(findings: readonly Finding[], summary: FindingSummary): string {
  return JSON.stringify({ findings: findings.map(publicFinding), summary }, null, 2) + "\n";
}

/** The public finding shape: DESIGN §5 fields only, in a stable order. */
export function publicFinding(f: Finding): Finding {
  const place = f.line !== undefined ? { line: f.line, column: f.column ?? 1 } : {};
  return { file: f.file, ...place, severity: f.severity, code: f.code, message: f.message, guidance: f.guidance, next_steps: f.next_steps };
}

/** `plan --format json` (DESIGN §5), plus each apprentice's `sources` and `missing_required`. */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2) + "\n";
}
