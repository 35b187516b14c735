import { closeSync, openSync, writeSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { inChunks } from "../core/pieces.js";
import { publicPlan, writePrettyJson } from "../core/render-json.js";
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
  writeJsonFile(files.plan, publicPlan(o.plan));
  writeJsonFile(files.profiles, o.profiles);
  return files;
}

/**
 * Writes `JSON.stringify(value, null, 2)` and a line break to `file`, a megabyte at a time:
 * the plan and profiles of a large fleet can be longer than a string can be.
 */
function writeJsonFile(file: string, value: unknown): void {
  const fd = openSync(file, "w");
  try {
    const out = inChunks((chunk) => {
      const bytes = Buffer.from(chunk);
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    });
    writePrettyJson(value, out.write);
    out.end();
  } finally {
    closeSync(fd);
  }
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
