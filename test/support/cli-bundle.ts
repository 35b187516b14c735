import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { REPO_ROOT } from "./manifest-fixtures.js";

/**
 * The CLI as a program of its own, bundled from the sources as `npm run build` bundles it
 * into build/cli (with its worker scripts beside it: Node 20 does not load TypeScript in
 * worker threads, so that the threads really run), into a new temporary folder (added to
 * `temps`, for the caller to remove). Returns the entry to run with node.
 */
export async function bundleCli(temps: string[]): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), "apprentice-tools-cli-bundle-"));
  temps.push(outdir);
  const { cliBundleOptions } = (await import(pathToFileURL(join(REPO_ROOT, "scripts/bundle.mjs")).href)) as { cliBundleOptions: (outdir: string, extra: Record<string, string>) => Parameters<typeof build>[0] };
  await build(cliBundleOptions(outdir, { "run-cli": "test/support/run-cli.ts" }));
  return join(outdir, "run-cli.js");
}
