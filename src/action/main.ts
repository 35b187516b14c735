import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as core from "@actions/core";
import type { WritePiece } from "../core/pieces.js";
import { renderDiffText, writePlanText } from "../core/render-text.js";
import { actionOctokit } from "../github/action-octokit.js";
import { createCheckPort, type CheckPort } from "../github/check-port.js";
import { annotationOf, chooseAnnotations } from "./annotations.js";
import { failureMessage, runCheck } from "./check.js";
import { describeFailure } from "./errors.js";
import { parseInputs } from "./inputs.js";
import { renderJobSummary } from "./job-summary.js";
import { outputValues, writeOutputFiles } from "./outputs.js";
import { publishPlanComment } from "./pr-comment.js";
import { readRunContext } from "./run-context.js";

/**
 * The action: the one place that talks to the runner (`@actions/core`). Everything it
 * decides comes from plain functions; every failure ends in one `setFailed` message.
 */
export async function run(): Promise<void> {
  try {
    const inputs = parseInputs((name) => core.getInput(name));
    const ctx = await readRunContext(process.env, process.cwd(), tmpdir(), (path) => readFile(path, "utf8"));
    const pr = ctx.pullRequest;
    let port: CheckPort | undefined;
    if (pr && ctx.repository && inputs.token) port = createCheckPort(await actionOctokit(inputs.token, ctx.apiUrl), ctx.repository);

    const outcome = await runCheck(ctx, inputs, port ? { port } : {});
    for (const note of outcome.degraded) core.warning(note);

    const { annotated, unannotated } = chooseAnnotations(outcome.findings, outcome.changedLines);
    for (const f of annotated) {
      const a = annotationOf(f);
      core[a.severity](a.message, a.properties);
    }
    if (unannotated.length) core.info(`${unannotated.length} more finding(s) are listed in the job summary (GitHub shows about ten annotations of each kind).`);

    core.startGroup("Provisioning plan");
    infoInPieces((write) => writePlanText(outcome.plan, write));
    if (outcome.diff) core.info(`Changes in this pull request:\n${renderDiffText(outcome.diff)}`);
    core.endGroup();

    const files = await writeOutputFiles(ctx.tempDir, outcome);
    for (const [name, value] of Object.entries(outputValues(outcome, files))) core.setOutput(name, value);

    if (process.env["GITHUB_STEP_SUMMARY"]) {
      const markdown = renderJobSummary(outcome, { failOn: inputs.failOn, unannotated: unannotated.length, ...(pr ? { pullNumber: pr.number } : {}) });
      await core.summary
        .addRaw(markdown)
        .write()
        .catch((err: unknown) => core.warning(`The job summary could not be written (${(err as Error).message}); the log above has the same findings and plan.`));
    }

    if (pr && inputs.comment) {
      const report = await publishPlanComment(port, pr, outcome, ctx.runUrl);
      if (report.level === "info") core.info(report.message);
      else core[report.level](report.message);
    }

    if (outcome.failed) core.setFailed(failureMessage(outcome, inputs.failOn));
  } catch (err) {
    const { message, debug } = describeFailure(err);
    if (debug) core.debug(debug);
    core.setFailed(message);
  }
}

/**
 * Logs a text given in pieces (a fleet's plan can be longer than a string can be) about a
 * megabyte at a time, cut at line breaks: `core.info` ends each call with one, so the log
 * holds the same lines as from one call.
 */
function infoInPieces(produce: (write: WritePiece) => void): void {
  let pending = "";
  produce((piece) => {
    pending += piece;
    if (pending.length < 1 << 20) return;
    const cut = pending.lastIndexOf("\n");
    if (cut === -1) return;
    core.info(pending.slice(0, cut));
    pending = pending.slice(cut + 1);
  });
  core.info(pending);
}
