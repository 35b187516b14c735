#!/usr/bin/env node
// The CLI entry: the compiled sources in build/ (made by `npm ci` through `prepare`).
import { runCli } from "../build/src/cli/main.js";

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
