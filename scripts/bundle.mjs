// Bundles the action (and, once it exists, the bot run inside Actions) into single files
// under dist/ with esbuild: `npm run bundle`. `--outdir DIR` writes elsewhere (the
// end-to-end tests build into a temp folder); `--metafile` also writes DIR/meta.*.json.
// `--cli` builds the command-line program into build/cli instead (part of `npm run build`).
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createRequire } from "node:module";
import { Buffer } from "node:buffer";
import { brotliCompressSync, constants as zlibConstants } from "node:zlib";
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
 * ~300 ms to compile on every start even when no catalog needs counting. Compressed
 * (brotli, base64) it is a third of the size to scan at start, and it is inflated and
 * parsed only when the tokenizer is first used (catalogs with stored estimates never).
 */
const ranksCompressed = {
  name: "bpe-ranks-compressed",
  setup(build) {
    build.onLoad({ filter: /gpt-tokenizer[\\/]esm[\\/]bpeRanks[\\/][^\\/]+\.js$/ }, async (args) => {
      const { default: ranks } = await import(pathToFileURL(args.path).href);
      const packed = brotliCompressSync(Buffer.from(JSON.stringify(ranks)), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).toString("base64");
      return {
        // zlib is required here, when the tokenizer is first used, not imported at start-up.
        contents: `export default JSON.parse(require("node:zlib").brotliDecompressSync(Buffer.from(${JSON.stringify(packed)}, "base64")).toString("utf8"));`,
        loader: "js",
      };
    });
  },
};

/**
 * A module that requires `target` the first time anything is read from it. A package's
 * export names are read at build time (they are fixed by package-lock.json), so that
 * listing them, as ES-module interop does, loads nothing.
 */
function deferredModule(target, names) {
  if (names === null) {
    // Names unknown at build time: any string key but the interop probe loads the module.
    return [
      "let real;",
      `const load = () => (real ??= require(${JSON.stringify(target)}));`,
      "const lazy = (key) => typeof key === \"string\" && key !== \"__esModule\";",
      "module.exports = new Proxy({}, {",
      "  get: (target, key) => (lazy(key) ? load()[key] : Reflect.get(target, key)),",
      "  set: (_, key, value) => ((load()[key] = value), true),",
      "  has: (target, key) => (lazy(key) ? key in load() : Reflect.has(target, key)),",
      "  ownKeys: () => Reflect.ownKeys(load()),",
      "  getOwnPropertyDescriptor: (_, key) => { const d = Object.getOwnPropertyDescriptor(load(), key); return d && { ...d, configurable: true }; },",
      "});",
    ].join("\n");
  }
  return [
    "let real;",
    `const load = () => (real ??= require(${JSON.stringify(target)}));`,
    `const names = ${JSON.stringify(names)};`,
    "module.exports = new Proxy({}, {",
    // Only the module's own names load it: `__esModule` and other probes answer from the empty target.
    "  get: (target, key) => (names.includes(key) ? load()[key] : Reflect.get(target, key)),",
    "  set: (_, key, value) => ((load()[key] = value), true),",
    "  has: (target, key) => names.includes(key) || Reflect.has(target, key),",
    "  ownKeys: () => [...names],",
    "  getOwnPropertyDescriptor: (_, key) => (names.includes(key) ? { configurable: true, enumerable: true, get: () => load()[key] } : undefined),",
    "});",
  ].join("\n");
}

/**
 * undici is required when @actions/core loads, for the proxy dispatchers of
 * @actions/http-client, and loading it pulls in Node's http, tls and streams: about a fifth
 * of the action's start-up; so do tunnel and @actions/exec (child_process). The action's
 * own requests go through Octokit's fetch, so these are deferred: a stand-in loads the real
 * module the first time anything is read from it (a proxy dispatcher, a command run).
 */
const DEFERRED_PACKAGES = /^(undici|tunnel|@actions\/exec)$/;
/** Node's networking and process modules, required at load by @actions/http-client, tunnel and @actions/exec. */
const DEFERRED_BUILTINS = /^(node:)?(http|https|tls|net|child_process)$/;
const deferUndici = {
  name: "defer-undici",
  setup(build) {
    build.onResolve({ filter: DEFERRED_PACKAGES }, async (args) => {
      // ES imports too: esbuild reads a CommonJS module's names through its namespace object at each use.
      if (args.pluginData === "real") return undefined;
      const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "real" });
      return real.errors.length ? real : { path: real.path, namespace: "deferred" };
    });
    // Node's own modules: only where CommonJS requires them. An ES namespace import needs the
    // module's export names up front, and those differ between Node versions (dist/ must not).
    build.onResolve({ filter: DEFERRED_BUILTINS }, (args) => (args.kind === "require-call" && args.namespace !== "deferred-builtin" ? { path: args.path.replace(/^node:/, ""), namespace: "deferred-builtin" } : undefined));
    build.onLoad({ filter: /.*/, namespace: "deferred-builtin" }, (args) => ({ contents: deferredModule(`node:${args.path}`, null), loader: "js", resolveDir: root }));
    build.onLoad({ filter: /.*/, namespace: "deferred" }, (args) => ({ contents: deferredModule(args.path, Object.getOwnPropertyNames(createRequire(args.path)(args.path))), loader: "js", resolveDir: root }));
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
    plugins: [ranksCompressed, deferUndici],
    logLevel: "warning",
  };
}

/**
 * The CLI's entries: bin/apprentice-tools.js loads `main`, which loads each command's code
 * when it runs (shared code split into chunks beside them), and the worker threads are
 * started from their own files next to that code (see workerScript).
 */
export const CLI_ENTRIES = { main: "src/cli/main.ts", "check-worker": "src/io/check-worker.ts", "token-worker": "src/io/token-worker.ts", "plan-worker": "src/io/plan-worker.ts" };

/**
 * esbuild options for the CLI in `outdir` (`extraEntries` adds entries, for tests). One
 * file per command and a few shared chunks load in about half the time of the ~120
 * modules tsc writes (zod and yaml are dozens of files each), and the tokenizer's ranks
 * are stored compressed: a first check + plan of ten thousand manifests took ~0.35 s less
 * (8 interleaved rounds).
 * Not minified: a stack trace in a bug report stays readable.
 */
export function cliBundleOptions(outdir, extraEntries = {}) {
  const { outfile: _none, ...options } = bundleOptions(CLI_ENTRIES.main, undefined);
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const define = { APPRENTICE_TOOLS_VERSION: JSON.stringify(version) };
  return { ...options, entryPoints: { ...CLI_ENTRIES, ...extraEntries }, outdir, splitting: true, chunkNames: "chunk-[hash]", minify: false, keepNames: false, define };
}

/** Builds the CLI into `outdir` (build/cli: `npm run build`). */
export async function bundleCli(outdir = join(root, "build", "cli")) {
  await rm(outdir, { recursive: true, force: true });
  await build(cliBundleOptions(outdir));
  return outdir;
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
  const { values } = parseArgs({ options: { outdir: { type: "string" }, metafile: { type: "boolean" }, cli: { type: "boolean" } } });
  const outdir = values.outdir ? resolve(values.outdir) : undefined;
  if (values.cli) {
    await bundleCli(outdir);
  } else {
    const built = await bundle({ outdir, metafile: values.metafile ?? false });
    for (const b of built) {
      const bytes = Object.values(b.metafile.outputs)[0]?.bytes ?? 0;
      console.log(`${b.outfile}: ${bytes.toLocaleString("en-US")} bytes`);
    }
  }
}
