import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/manifest-fixtures.js";

// `plan` after `check` writes the kept plan again without loading the code that parses,
// checks or plans (see src/io/plan-output.ts): what the CLI loads before it knows whether
// the kept plan will do is everything its modules import statically. One runtime import
// of the repository loader from an options helper once cost every such plan 0.2 s.

/** The modules (src-relative) and packages `entry` imports statically, transitively; `import type` and `import()` excluded. */
function staticImports(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    const key = relative(join(REPO_ROOT, "src"), file);
    if (modules.has(key)) return;
    modules.add(key);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;]*?\sfrom\s+)?"([^"]+)";/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith(".")) visit(join(dirname(file), spec.replace(/\.js$/, ".ts")));
      else if (!spec.startsWith("node:")) packages.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string));
    }
  };
  visit(join(REPO_ROOT, "src", entry));
  return { modules, packages };
}

describe("the CLI's quick path", () => {
  it("loads no parser, schema, checker, planner or tokenizer before the kept plan is tried", () => {
    const { modules, packages } = staticImports("cli/main.ts");
    const plan = staticImports("cli/plan-command.ts");
    for (const m of plan.modules) modules.add(m);
    for (const p of plan.packages) packages.add(p);
    // The walk works: it found the kept plan's reader and what it needs.
    expect(modules).toContain("io/plan-output.ts");
    expect(modules).toContain("io/file-source.ts");
    expect([...packages].sort()).toEqual(["picomatch", "tinyglobby"]);
    for (const heavy of ["io/repository.ts", "io/yaml-source.ts", "io/manifest-source.ts", "core/manifest-schema.ts", "core/manifest-check.ts", "core/provision.ts", "core/plan.ts", "io/tokenizer.ts", "library.ts"]) {
      expect(modules, heavy).not.toContain(heavy);
    }
  });
});
