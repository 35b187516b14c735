#!/usr/bin/env node
// The CLI entry: the program bundled into build/cli (made by `npm ci` through `prepare`).
import * as nodeModule from "node:module";

// On Node 22.1 and later, V8 keeps the compiled code of our modules between runs (in the
// system's temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), as tsc does: loading
// them is a good part of a short run. Enabled before they are loaded; Node 20 has no cache.
nodeModule.enableCompileCache?.();
const { runCli } = await import("../build/cli/main.js");

// Output piped into a reader that stops early (`| head`) is not an error of ours.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
