import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default"],
    // Two test files more than cores (vitest's default is one fewer than cores: a single
    // file at a time on a 2-core machine). The end-to-end files spend most of their time
    // waiting for child processes, the app's paced writes and its retry back-offs, so the
    // cores have room for other files meanwhile.
    maxWorkers: availableParallelism() + 2,
    // Test files share a worker's module cache instead of importing src/ and its packages
    // afresh (about a sixth of the suite's CPU time). No test file mocks modules, stubs
    // globals or the environment, or changes process-wide state; one that needs to must
    // undo it afterwards, or go in a project of its own with `isolate: true`.
    isolate: false,
  },
});
