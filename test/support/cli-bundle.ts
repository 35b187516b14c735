import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { REPO_ROOT } from "./manifest-fixtures.js";

/**
 * The CLI as a program of its own, bundled from the sources into a new temporary folder
 * (added to `temps`, for the caller to remove) with its worker scripts beside it (Node 20
 * does not load TypeScript in worker threads), so that the threads really run.
 */
export async function bundleCli(temps: string[]): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "apprentice-tools-cli-bundle-"));
  temps.push(outdir);
  const { bundleOptions } = (await import(pathToFileURL(join(REPO_ROOT, "scripts/bundle.mjs")).href)) as { bundleOptions: (entry: string, outfile?: string) => Record<string, unknown> };
  const { outfile: _ignored, ...options } = bundleOptions("test/support/run-cli.ts");
  await build({ ...options, entryPoints: { "run-cli": "test/support/run-cli.ts", "check-worker": "src/io/check-worker.ts", "token-worker": "src/io/token-worker.ts" }, outdir, minify: false });
  return join(outdir, "run-cli.js");
}
