#!/usr/bin/env node
// The CLI entry: the compiled sources in build/ (made by `npm ci` through `prepare`).
import { runCli } from "../build/src/cli/main.js";

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});
process.exitCode = code;
