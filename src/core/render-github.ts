import type { Finding } from "./finding.js";
import type { WritePiece } from "./pieces.js";

/** Escaping of GitHub workflow commands (`::error file=…::message`). */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}
function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

const COMMAND: Record<Finding["severity"], string> = { error: "error", warning: "warning", notice: "notice" };

/** One annotation line GitHub's runner turns into a file:line:column annotation. */
export function githubAnnotation(f: Finding): string {
  const props = [`file=${escapeProperty(f.file)}`];
  if (f.line !== undefined) {
    props.push(`line=${f.line}`, `col=${f.column ?? 1}`);
    if (f.endLine !== undefined) props.push(`endLine=${f.endLine}`);
    if (f.endColumn !== undefined && f.endLine === f.line) props.push(`endColumn=${f.endColumn}`);
  }
  props.push(`title=${escapeProperty(`${f.code}`)}`);
  const body = `${f.message}\n${f.guidance}${f.next_steps.length ? "\n→ " + f.next_steps.join("\n→ ") : ""}`;
  return `::${COMMAND[f.severity]} ${props.join(",")}::${escapeData(body)}`;
}

/** One annotation line per finding, written piece by piece (any number of findings). */
export function writeFindingsGithub(findings: readonly Finding[], write: WritePiece): void {
  for (const f of findings) write(`${githubAnnotation(f)}\n`);
}

export function renderFindingsGithub(findings: readonly Finding[]): string {
  const pieces: string[] = [];
  writeFindingsGithub(findings, (piece) => pieces.push(piece));
  return pieces.join("");
}
