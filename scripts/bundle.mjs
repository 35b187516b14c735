// Bundles the action (and, once it exists, the bot run inside Actions) into single files
// under dist/ with esbuild: `npm run bundle`. `--outdir DIR` writes elsewhere (the
// end-to-end tests build into a temp folder); `--metafile` also writes DIR/meta.*.json.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** What gets bundled: the bot's entry is skipped until it exists. */
export const ENTRIES = [
  { name: "index", entry: "src/action/index.ts", required: true },
  { name: "bot", entry: "src/app/action-entry.ts", required: false },
];

// Some dependencies are CommonJS and call `require` (node built-ins); an ES module has none.
const banner = `import { createRequire as __bundleCreateRequire } from "node:module";\nconst require = __bundleCreateRequire(import.meta.url);`;

/**
 * gpt-tokenizer ships its BPE ranks as a 1 MB JavaScript array literal, which V8 takes
 * ~300 ms to compile on every start even when no catalog needs counting. As a JSON string
 * it is only scanned, and parsed (fast) when the tokenizer is first used.
 */
const ranksAsJson = {
  name: "bpe-ranks-as-json",
  setup(build) {
    build.onLoad({ filter: /gpt-tokenizer[\\/]esm[\\/]bpeRanks[\\/][^\\/]+\.js$/ }, async (args) => {
      const { default: ranks } = await import(pathToFileURL(args.path).href);
      return { contents: `export default JSON.parse(${JSON.stringify(JSON.stringify(ranks))});`, loader: "js" };
    });
  },
};

/** esbuild options for one entry; shared with the tests that inspect the bundle. */
export function bundleOptions(entry, outfile) {
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    keepNames: true,
    legalComments: "none",
    charset: "utf8",
    banner: { js: banner },
    plugins: [ranksAsJson],
    logLevel: "warning",
  };
}

/** Builds every existing entry into `outdir`; returns the files written and their metafiles. */
export async function bundle({ outdir = join(root, "dist"), metafile = false } = {}) {
  await mkdir(outdir, { recursive: true });
  const built = [];
  for (const { name, entry, required } of ENTRIES) {
    if (!existsSync(join(root, entry))) {
      if (required) throw new Error(`${entry} is missing`);
      continue;
    }
    const outfile = join(outdir, `${name}.js`);
    const result = await build({ ...bundleOptions(entry, outfile), metafile: true });
    if (metafile) await writeFile(join(outdir, `meta.${name}.json`), JSON.stringify(result.metafile));
    built.push({ name, outfile, metafile: result.metafile });
  }
  // The bundles are ES modules wherever dist/ is copied to.
  await writeFile(join(outdir, "package.json"), `${JSON.stringify({ type: "module" }, null, 2)}\n`);
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: "string" }, metafile: { type: "boolean" } } });
  const built = await bundle({ outdir: values.outdir ? resolve(values.outdir) : undefined, metafile: values.metafile ?? false });
  for (const b of built) {
    const bytes = Object.values(b.metafile.outputs)[0]?.bytes ?? 0;
    console.log(`${b.outfile}: ${bytes.toLocaleString("en-US")} bytes`);
  }
}
