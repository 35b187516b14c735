import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { loadRepository, provision, type UnknownApprenticeError } from "../../src/library.js";

// `provision TYPE` reads and checks only the manifests that may declare TYPE (see
// Overrides.onlyTypes). Whatever it prints must be what provisioning after a check of the
// whole fleet gives: these files try every way another file could still matter.

const m = (type: string, rest = "required_tools: [read_file]\noptional_tools: [grep, glob]\n") => `apprentice_type: ${type}\ndescription: d\n${rest}`;

const FILES: Record<string, string> = {
  "apprentice-tools.yml": "fallback: generalist\n",
  "no-fallback.yml": "limits:\n  max_tools: 50\n",
  "manifests/alpha.yaml": m("alpha"),
  // The same type again, in another folder: both are then invalid (type-duplicate).
  "manifests/team/alpha.yaml": m("alpha", "required_tools: [bash]\n"),
  "manifests/beta.yaml": m("beta", "required_tools: [read_file]\noptional_tools: [bash]\n"),
  // Declares beta without its letters (an escape), under another name: a duplicate of beta.
  "manifests/escaped.yaml": 'apprentice_type: "\\x62eta"\ndescription: d\nrequired_tools: [grep]\n',
  // Declares gamma through an anchor and an alias.
  "manifests/anchored.yaml": "x: &t gamma_two\napprentice_type: *t\ndescription: d\nrequired_tools: [glob]\n",
  "manifests/gamma_two.yaml": m("gamma_two"),
  "manifests/broken.yaml": m("broken", "required_tools: [read_file, read_file]\nforbidden_tools: [read_*]\n"),
  "manifests/generalist.yaml": m("generalist", "required_tools: [read_file, grep, glob, bash]\n"),
  "manifests/unrelated.yaml": m("unrelated", "required_tools: [web_fetch]\n"),
  "manifests/catalog/core.json": JSON.stringify({ tools: ["read_file", "grep", "glob", "bash", "web_fetch"].map((name) => ({ name, description: `${name} tool`, inputSchema: { type: "object" } })) }),
};

const dir = mkdtempSync(join(tmpdir(), "apprentice-provision-one-"));
for (const [rel, text] of Object.entries(FILES)) {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), text);
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: dir, env: {} });
  return { code, stdout, stderr };
}

describe("provision TYPE reads only what TYPE needs", () => {
  it.each(["alpha", "beta", "gamma_two", "broken", "generalist", "unrelated", "no_such_type"])("%s: the plan of a check of the whole fleet", async (type) => {
    const whole = await loadRepository(dir);
    const expected = provision(whole, type);
    const run = await cli("provision", type, "--format", "json");
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(run.code).toBe(expected.status === "invalid" ? 1 : 0);
  });

  it("reads the files that declare the type under another name, escaped or through an alias", async () => {
    const duplicates = async (type: string) => (await loadRepository(dir, { onlyTypes: [type] })).check.findings.filter((f) => f.code === "type-duplicate").map((f) => f.file);
    expect(await duplicates("alpha")).toEqual(["manifests/team/alpha.yaml"]);
    expect(await duplicates("beta")).toEqual(["manifests/escaped.yaml"]);
    expect(await duplicates("gamma_two")).toEqual(["manifests/gamma_two.yaml"]);
  });

  it("checks fewer files than the fleet has", async () => {
    const all = (await loadRepository(dir)).check.files;
    const some = (await loadRepository(dir, { onlyTypes: ["unrelated"] })).check.files;
    // unrelated.yaml, the fallback's, and the file with an escape.
    expect(some).toBe(3);
    expect(all).toBe(9);
  });

  it("an unknown type, with no fallback, names every type of the fleet", async () => {
    const noFallback = await cli("provision", "alpah", "--config", "no-fallback.yml");
    expect(noFallback.code).toBe(2);
    let message = "";
    try {
      provision(await loadRepository(dir, { config: "no-fallback.yml" }), "alpah");
    } catch (err) {
      message = (err as UnknownApprenticeError).message;
    }
    expect(message).toContain('Did you mean "alpha"?');
    expect(noFallback.stderr).toContain(message);
  });

  it("a name that is not a valid type reads every file (nothing to search for)", async () => {
    const some = await loadRepository(dir, { onlyTypes: ["Not A Type"] });
    expect(some.check.files).toBe(9);
  });
});
