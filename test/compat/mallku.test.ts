import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRepository, provision, type Repository } from "../../src/library.js";
import { REPO_ROOT } from "../support/manifest-fixtures.js";

// DESIGN §2 and §4: Mallku's three real manifests validate without edits (warnings are
// fine) and, with no catalog and the default limits, provision exactly as §4 lists.
// They are read from beside the checkout, never copied into the repository.

const repoRoot = REPO_ROOT;
const MALLKU = path.resolve(repoRoot, "../shared/mallku-manifests");

const EXPECTED: Record<string, string[]> = {
  documentation_weaver: ["read_file", "write_file", "grep", "glob", "edit_file", "web_search", "bash"],
  python_patterns: ["read_file", "grep", "edit_file", "multi_edit", "write_file", "bash", "glob"],
  test_guardian: ["read_file", "write_file", "bash", "grep", "edit_file", "multi_edit", "glob"],
};

function requireMallku(): void {
  if (!existsSync(MALLKU)) {
    throw new Error(
      `The Mallku compatibility manifests are missing: expected them at ${MALLKU} (../shared/mallku-manifests beside the checkout). ` +
        "CI provides that folder; locally, place documentation_weaver.yaml, python_patterns.yaml and test_guardian.yaml there. This test never passes without them.",
    );
  }
}

describe("Mallku's manifests (../shared/mallku-manifests)", () => {
  let repo: Repository;

  beforeAll(async () => {
    requireMallku();
    repo = await loadRepository(MALLKU, { manifests: ["."], catalog: null });
  });

  it("are present, all three", () => {
    requireMallku();
    const files = readdirSync(MALLKU).filter((f) => /\.ya?ml$/.test(f)).sort();
    expect(files).toEqual(["documentation_weaver.yaml", "python_patterns.yaml", "test_guardian.yaml"]);
  });

  it("validate with no errors, using the defaults (no config file, no catalog)", () => {
    expect(repo.loaded.configFile).toBeUndefined();
    expect(repo.loaded.catalog).toBeUndefined();
    expect(repo.loaded.config.limits).toEqual({ max_tools: 50, safety_margin: 5, max_tokens: null });
    expect(repo.check.files).toBe(3);
    const errors = repo.check.findings.filter((f) => f.severity === "error");
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
    expect(repo.types()).toEqual(Object.keys(EXPECTED));
  });

  it.each(Object.entries(EXPECTED))("%s provisions exactly as DESIGN §4 lists, in that order", (type, tools) => {
    const plan = provision(repo, type);
    expect(plan.tools).toEqual(tools);
    expect(plan.status).toBe("ok");
    expect(plan.excluded).toEqual([]);
    expect(plan.substitutions).toEqual([]);
    expect(plan.capacity).toEqual({ used: tools.length, available: 45 });
    expect(plan.tokens).toBeNull();
  });

  it("the whole plan agrees with provisioning one by one", () => {
    const plan = repo.plan();
    expect(plan.limits).toEqual({ max_tools: 50, safety_margin: 5, max_tokens: null });
    expect(Object.fromEntries(plan.apprentices.map((a) => [a.apprentice_type, a.tools]))).toEqual(EXPECTED);
    expect(plan.apprentices.map((a) => a.file)).toEqual(["documentation_weaver.yaml", "python_patterns.yaml", "test_guardian.yaml"]);
  });
});
