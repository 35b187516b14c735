import type { Finding, FindingSummary } from "./finding.js";
import type { ApprenticePlan, Plan } from "./plan.js";
import type { ExclusionReason } from "./provision.js";

/** `check --format json` (DESIGN §5). */
export function renderFindingsJson(findings: readonly Finding[], summary: FindingSummary): string {
  return JSON.stringify({ findings: findings.map(publicFinding), summary }, null, 2) + "\n";
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

const TOKENS_KEY = '"tokens": ';
const ENTRY_END = "\n    }";

/** `"a",` lines of a list of strings at the given indent, as `JSON.stringify(list, null, 2)` lays them out. */
function stringList(list: readonly string[], indent: string): string {
  if (list.length === 0) return "[]";
  let out = "[";
  for (let i = 0; i < list.length; i++) out += `${i === 0 ? "" : ","}\n${indent}  ${JSON.stringify(list[i])}`;
  return `${out}\n${indent}]`;
}

/** A list of two-field objects with string values, laid out as `JSON.stringify(list, null, 2)` does. */
function pairList<T>(list: readonly T[], k1: string, v1: (x: T) => string, k2: string, v2: (x: T) => string, indent: string): string {
  if (list.length === 0) return "[]";
  const inner = `${indent}    `;
  let out = "[";
  for (let i = 0; i < list.length; i++) {
    const x = list[i] as T;
    out += `${i === 0 ? "" : ","}\n${indent}  {\n${inner}"${k1}": ${JSON.stringify(v1(x))},\n${inner}"${k2}": ${JSON.stringify(v2(x))}\n${indent}  }`;
  }
  return `${out}\n${indent}]`;
}

/**
 * \`apprenticeJson(a)\` up to its token count, for an entry without \`changes\` (where
 * \`tokens\` is the last field): the head, the count, then \`ENTRY_END\` make the whole.
 * A check stores heads so that a later plan writes them without provisioning again, so
 * this is written out directly (several times faster than stringifying and indenting); a
 * property test holds it to \`apprenticeJson\` (test/core/render-json.test.ts).
 */
export function apprenticeJsonHead(a: ApprenticePlan): string {
  const i = "      ";
  return (
    `    {\n${i}"apprentice_type": ${JSON.stringify(a.apprentice_type)},\n${i}"file": ${JSON.stringify(a.file)},\n${i}"status": ${JSON.stringify(a.status)},` +
    `\n${i}"tools": ${stringList(a.tools, i)},` +
    `\n${i}"excluded": ${pairList(a.excluded, "tool", (e) => e.tool, "reason", (e) => e.reason, i)},` +
    `\n${i}"substitutions": ${pairList(a.substitutions, "tool", (s) => s.tool, "with", (s) => s.with, i)},` +
    `\n${i}"capacity": {\n${i}  "used": ${JSON.stringify(a.capacity.used)},\n${i}  "available": ${JSON.stringify(a.capacity.available)}\n${i}},` +
    `\n${i}${TOKENS_KEY}`
  );
}

/** The whole entry from its head and token count. */
export function apprenticeJsonFromHead(head: string, tokens: number | null): string {
  return `${head}${JSON.stringify(tokens)}${ENTRY_END}`;
}

/** `plan --format json` (DESIGN §5). */
export function renderPlanJson(plan: Plan): string {
  return JSON.stringify(publicPlan(plan), null, 2) + "\n";
}
