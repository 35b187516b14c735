import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckOutcome } from "../../src/action/check.js";
import { renderJobSummary } from "../../src/action/job-summary.js";
import { writeOutputFiles } from "../../src/action/outputs.js";
import type { Plan } from "../../src/core/plan.js";
import { renderPlanJson } from "../../src/core/render-json.js";
import { renderPlanMarkdown } from "../../src/core/render-markdown.js";
import { planEntryExcluding as apprentice } from "../support/plan-fixtures.js";

// The step summary holds the plan while it fits GitHub's 1 MiB; past that, the table of
// apprentices without their detail. The plan's Markdown is read piece by piece until it
// no longer fits: a fleet's plan can be longer than one string can be, and building it
// whole failed the action (RangeError: Invalid string length).

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function outcome(plan: Plan): CheckOutcome {
  return { findings: [], summary: { errors: 0, warnings: 0, notices: 0, files: plan.apprentices.length }, plan, profiles: { targets: [], apprentices: {} }, failed: false, degraded: [] };
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `tool_${String(i).padStart(123, "0")}`);
const LIMITS = { max_tools: 5, safety_margin: 1, max_tokens: null };
const context = { failOn: "error" as const, unannotated: 0 };

describe("the job summary", () => {
  it("holds the whole plan when it fits", () => {
    const plan: Plan = { limits: LIMITS, apprentices: [apprentice("a", names(3)), apprentice("b", [])] };
    const summary = renderJobSummary(outcome(plan), context);
    expect(summary.endsWith(renderPlanMarkdown(plan))).toBe(true);
    expect(summary).not.toContain("left out");
  });

  it("leaves the detail out of a plan too long for it, and stays under GitHub's limit", () => {
    const plan: Plan = { limits: LIMITS, apprentices: Array.from({ length: 20 }, (_, i) => apprentice(`a${i}`, names(1000))) };
    const summary = renderJobSummary(outcome(plan), context);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(1_000_000);
    expect(summary).toContain("| a19 |");
    expect(summary).not.toContain("### a0");
    expect(summary).toContain("_The per-apprentice detail was left out to fit GitHub's 1 MiB summary limit; the plan output file has all of it._");
  });

  it("of a plan whose Markdown is longer than a string can be, is made from its first megabyte", () => {
    const excluded = names(20_000);
    const plan: Plan = { limits: LIMITS, apprentices: Array.from({ length: 190 }, (_, i) => apprentice(`a${i}`, excluded)) };
    const summary = renderJobSummary(outcome(plan), context);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(1_000_000);
    expect(summary).toContain("left out to fit GitHub's 1 MiB summary limit");
  });
});

describe("the output files", () => {
  it("hold the plan and the profiles as JSON, written in pieces", async () => {
    const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-outputs-"));
    temps.push(dir);
    const plan: Plan = { limits: LIMITS, apprentices: Array.from({ length: 300 }, (_, i) => apprentice(`a${i}`, names(50))) };
    const o = { ...outcome(plan), profiles: { targets: [], apprentices: { a0: { file: "manifests/a0.yaml", status: "ok", tools: ["read_file"], substitutions: [], exports: {}, notes: {} } } } } as CheckOutcome;
    const files = await writeOutputFiles(dir, o);
    expect(readFileSync(files.plan, "utf8")).toBe(renderPlanJson(plan));
    expect(readFileSync(files.profiles, "utf8")).toBe(JSON.stringify(o.profiles, null, 2) + "\n");
  });
});
