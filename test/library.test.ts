import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadRepository, provision, UnknownApprenticeError } from "../src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("the library for spawners (the README's example)", () => {
  it("loads the repository's own manifests and provisions an apprentice", async () => {
    const repo = await loadRepository(root);
    expect(repo.types()).toContain("python_patterns_reviewer");
    const plan = provision(repo, "python_patterns_reviewer");
    expect(plan.status).toBe("ok");
    expect(plan.tools.slice(0, 3)).toEqual(["read_file", "grep", "ast_parse"]);
    expect(plan.tokens).toBeGreaterThan(0);
  });

  it("a documentation task and a refactoring task give the same apprentice different optional tools under a tight limit", async () => {
    const repo = await loadRepository(root, { maxTools: 10 }); // 10 − 5 margin = 5 tools: 3 required + 2 optional
    const docs = provision(repo, "python_patterns_reviewer", { task: "write documentation: check the markdown, the links and the spelling" });
    const refactor = provision(repo, "python_patterns_reviewer", { task: "refactor: find every reference to a symbol and go to its definition" });
    expect(docs.tools).toHaveLength(5);
    expect(refactor.tools).toHaveLength(5);
    expect(docs.tools.slice(0, 3)).toEqual(refactor.tools.slice(0, 3)); // required tools first, whatever the task
    expect([...refactor.tools.slice(3)].sort()).toEqual(["find_references", "go_to_definition"]);
    expect(docs.tools.slice(3)).not.toEqual(refactor.tools.slice(3));
    // Without a task, manifest order decides.
    const plain = provision(repo, "python_patterns_reviewer");
    expect(plain.tools.slice(3)).toEqual(["github_get_pull_request", "github_get_pull_request_diff"]);
    expect(refactor.excluded.filter((e) => e.reason === "over_limit").map((e) => e.tool)).toContain("github_get_pull_request");
  });

  it("an unknown type is a clear error with a did-you-mean", async () => {
    const repo = await loadRepository(root);
    expect(() => provision(repo, "python_pattern_reviewer")).toThrow(UnknownApprenticeError);
    expect(() => provision(repo, "python_pattern_reviewer")).toThrow(/Did you mean "python_patterns_reviewer"\?/);
  });
});
