// Runs the CLI from its TypeScript sources as a process of its own, as bin/apprentice-tools.js
// does (test/cli/cache.test.ts bundles it with its worker script, so that threads really run).
import { runCli } from "../../src/cli/main.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stdoutBytes: (bytes) => process.stdout.write(bytes),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
});
