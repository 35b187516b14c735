import { renderPlanComment, utf8Length } from "../core/render-comment.js";
import { planMarkdownPieces, renderFindingsMarkdown, renderPlanMarkdown } from "../core/render-markdown.js";
import type { CheckOutcome } from "./check.js";
import type { ActionFailOn } from "./inputs.js";

/** GitHub refuses a step summary over 1 MiB. */
const SUMMARY_LIMIT = 1_000_000;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export interface SummaryContext {
  failOn: ActionFailOn;
  /** Findings that got no annotation (GitHub shows about ten of each kind). */
  unannotated: number;
  pullNumber?: number;
}

/** The job summary: verdict, findings table, what the pull request changes, the plan with its capacity chart. */
export function renderJobSummary(o: CheckOutcome, c: SummaryContext): string {
  const s = o.summary;
  const counts = `${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}, ${plural(s.notices, "notice")} in ${plural(s.files, "manifest")}`;
  const verdict = o.failed ? `❌ **Failed** (fail-on: ${c.failOn}): ${counts}.` : `✅ **Passed** (fail-on: ${c.failOn}): ${counts}.`;
  const parts = ["# 🧰 apprentice-tools check", verdict];
  for (const note of o.degraded) parts.push(`> [!WARNING]\n> ${note.replace(/\n/g, " ")}`);
  parts.push("## Findings", renderFindingsMarkdown(o.findings, s));
  if (c.unannotated > 0) parts.push(`GitHub shows about ten annotations of each kind per step, so ${plural(c.unannotated, "finding")} appear only in the table above.`);
  if (o.diff) {
    const title = c.pullNumber !== undefined ? `What pull request #${c.pullNumber} changes` : "What this pull request changes";
    parts.push(renderPlanComment({ diff: o.diff, marker: null, title, limit: 200_000 }));
  }
  const head = parts.join("\n\n") + "\n\n";
  // The plan piece by piece, until it would not fit (a fleet's plan can be longer than a string can be).
  const plan: string[] = [];
  let size = utf8Length(head);
  for (const piece of planMarkdownPieces(o.plan)) {
    size += utf8Length(piece);
    if (size > SUMMARY_LIMIT) break;
    plan.push(piece);
  }
  if (size <= SUMMARY_LIMIT) return head + plan.join("");
  const brief = renderPlanMarkdown({ ...o.plan, apprentices: o.plan.apprentices.map((a) => ({ ...a, tools: [], excluded: [] })) }, { chart: false });
  return head + brief.split("\n### ")[0] + "\n\n_The per-apprentice detail was left out to fit GitHub's 1 MiB summary limit; the plan output file has all of it._\n";
}
