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
  },
});
