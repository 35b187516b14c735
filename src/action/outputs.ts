import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderPlanJson } from "../core/render-json.js";
import type { CheckOutcome } from "./check.js";

export interface OutputFiles {
  plan: string;
  profiles: string;
}

/** Writes the plan and the profiles as JSON files in a fresh folder under `tempDir`. */
export async function writeOutputFiles(tempDir: string, o: CheckOutcome): Promise<OutputFiles> {
  await mkdir(tempDir, { recursive: true });
  const dir = await mkdtemp(join(tempDir, "apprentice-tools-"));
  const files = { plan: join(dir, "plan.json"), profiles: join(dir, "profiles.json") };
  await writeFile(files.plan, renderPlanJson(o.plan));
  await writeFile(files.profiles, JSON.stringify(o.profiles, null, 2) + "\n");
  return files;
}

/** The step's outputs (DESIGN §5), all strings as GitHub stores them. */
export function outputValues(o: CheckOutcome, files: OutputFiles): Record<"valid" | "errors" | "warnings" | "plan" | "changed" | "profiles", string> {
  return {
    valid: String(o.summary.errors === 0),
    errors: String(o.summary.errors),
    warnings: String(o.summary.warnings),
    plan: files.plan,
    changed: JSON.stringify(o.diff?.changed ?? []),
    profiles: files.profiles,
  };
}
