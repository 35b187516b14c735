// Runs the CLI from its TypeScript sources as a process of its own (`node --import tsx
// test/support/run-cli.ts ARGS…`): worker threads inherit the loader, so a test can
// exercise the multi-threaded check without a build.
import { runCli } from "../../src/cli/main.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});
