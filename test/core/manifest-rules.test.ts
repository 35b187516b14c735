import { describe, expect, it } from "vitest";
import { compareFindings, type Finding } from "../../src/core/finding.js";
import { crossFileFindings } from "../../src/core/manifest-check.js";
import { checkBytes, checkFixture, expectTeaches, fixtureCatalog, only, places, type CheckOptions, type Place } from "../support/manifest-fixtures.js";

// Rules 2–10 of issue 2, one table row per bad fixture: every finding the file yields,
// with its code, severity and line:column, and what its text must say to teach.

interface Row {
  fixture: string;
  expected: Place[];
  /** Text each finding (message + next steps), in order, must contain. */
  mentions?: string[][];
  opts?: CheckOptions;
}

const sorted = (findings: readonly Finding[]) => [...findings].sort(compareFindings);

function run(row: Row): Finding[] {
  const checked = checkFixture(row.fixture, row.opts);
  const findings = sorted(checked.findings);
  expect(places(findings)).toEqual(row.expected);
  findings.forEach((f, i) => {
    expect(f.file).toBe(row.fixture);
    expectTeaches(f);
    for (const m of row.mentions?.[i] ?? []) expect(`${f.message} ${f.next_steps.join(" ")}`).toContain(m);
  });
  return findings;
}

describe("rule 2: schema", () => {
  it.each<Row>([
    {
      fixture: "schema/schema-missing-field.yaml",
      expected: [
        ["schema-missing-field", "error", 2, 1],
        ["schema-missing-field", "error", 2, 1],
      ],
      mentions: [["`apprentice_type` is missing", "apprentice_type: schema-missing-field"], ["`description` is missing", "description:"]],
    },
    {
      fixture: "schema/schema-wrong-type.yaml",
      expected: [
        ["schema-wrong-type", "error", 3, 17],
        ["schema-wrong-type", "error", 6, 5],
        ["schema-wrong-type", "error", 8, 14],
        ["schema-wrong-type", "error", 10, 12],
      ],
      mentions: [
        ["`required_tools` should be a list", 'the text "read_file"', "required_tools: [read_file, grep]"],
        ["`optional_tools[1]` should be text", "the number 42"],
        ["`limits.max_tools` should be a", 'the text "many"', "max_tools: 20"],
        ["`feedback.verbose` should be true or false"],
      ],
    },
    { fixture: "schema/schema-empty-field.yaml", expected: [["schema-empty-field", "error", 2, 14]], mentions: [["`description` is empty", 'description: "']] },
    {
      fixture: "schema/schema-invalid-apprentice-type.yaml",
      expected: [["schema-invalid-apprentice-type", "error", 1, 18]],
      mentions: [['"Python Patterns!"', "`python_patterns`"]],
    },
    { fixture: "schema/schema-invalid-value.yaml", expected: [["schema-invalid-value", "error", 4, 14]], mentions: [["`limits.max_tools`", "max_tools: 20"]] },
    {
      fixture: "schema/schema-unknown-key.yaml",
      expected: [
        ["schema-unknown-key", "warning", 3, 1],
        ["schema-unknown-key", "warning", 6, 3],
        ["schema-unknown-key", "warning", 7, 1],
      ],
      mentions: [
        ["`requried_tools`", "Did you mean `required_tools`?", "Rename `requried_tools` to `required_tools`"],
        ["`limits.max_tool`", "Did you mean `max_tools`?"],
        ["`colour`", "`apprentice_type`", "`requirements`"],
      ],
    },
  ])("$fixture", (row) => {
    run(row);
  });

  it("a manifest with a bad field still yields the rest of the manifest, so other rules still run", () => {
    const checked = checkFixture("schema/schema-wrong-type.yaml");
    expect(checked.manifest).toMatchObject({ apprentice_type: "schema-wrong-type", required_tools: [], optional_tools: ["glob"], limits: {} });
  });

  it("an unknown key still counts as a warning only: the manifest is usable", () => {
    const checked = checkFixture("schema/schema-unknown-key.yaml");
    expect(checked.findings.every((f) => f.severity === "warning")).toBe(true);
    expect(checked.manifest?.apprentice_type).toBe("schema-unknown-key");
  });
});

describe("rule 3: apprentice_type and file names", () => {
  it("type ≠ stem", () => {
    const [f] = run({ fixture: "rules/type-name-mismatch.yaml", expected: [["type-name-mismatch", "error", 2, 18]], mentions: [["`python_patterns`", "`type-name-mismatch`", "python_patterns.yaml", "apprentice_type: type-name-mismatch"]] });
    expect(f?.endColumn).toBe(33);
  });

  it("the same type in two files names both places", () => {
    const one = checkFixture("twins/one/twin.yaml");
    const two = checkFixture("twins/two/twin.yaml");
    expect(one.findings).toEqual([]);
    expect(two.findings).toEqual([]);
    const cross = crossFileFindings([one, two]);
    expect(places(cross)).toEqual([["type-duplicate", "error", 3, 18]]);
    const f = cross[0] as Finding;
    expect(f.file).toBe("twins/two/twin.yaml");
    expect(f.message).toContain("`twin`");
    expect(f.message).toContain("twins/one/twin.yaml:1:18");
    expectTeaches(f);
  });

  it("three files of one type give one finding per extra file, each pointing at the first", () => {
    const files = ["a/x.yaml", "b/x.yaml", "c/x.yaml"].map((file) => checkBytes(file, "apprentice_type: x\ndescription: d\n"));
    const cross = crossFileFindings(files);
    expect(cross.map((f) => [f.file, f.line, f.column])).toEqual([
      ["b/x.yaml", 1, 18],
      ["c/x.yaml", 1, 18],
    ]);
    for (const f of cross) expect(f.message).toContain("a/x.yaml:1:18");
  });
});

describe("rules 4–6, 8–10 (no catalog)", () => {
  it.each<Row>([
    {
      fixture: "rules/tool-duplicate.yaml",
      expected: [
        ["tool-duplicate", "warning", 6, 5],
        ["tool-duplicate", "warning", 9, 5],
        ["tool-duplicate", "warning", 10, 5],
      ],
      mentions: [["`read_file` is listed twice in required_tools", "line 4"], ["`grep`", "required_tools (line 5)", "optional_tools"], ["`glob` is listed twice in optional_tools", "line 8"]],
    },
    {
      fixture: "rules/required-pattern.yaml",
      expected: [
        ["required-pattern", "error", 5, 5],
        ["required-pattern", "error", 6, 5],
      ],
      mentions: [["`github_get_*`", "move `github_get_*` to optional_tools"], ["`mcp__filesystem`"]],
    },
    {
      fixture: "rules/required-forbidden.yaml",
      expected: [
        ["required-forbidden", "error", 5, 5],
        ["required-forbidden", "error", 6, 5],
      ],
      mentions: [["`docker_run`", "`docker_*`", "rules/required-forbidden.yaml:9"], ["`write_file`", "rules/required-forbidden.yaml:10"]],
    },
    {
      fixture: "rules/optional-shadowed.yaml",
      expected: [
        ["optional-shadowed", "warning", 5, 5],
        ["optional-shadowed", "warning", 6, 5],
      ],
      mentions: [["`docker_logs`", "`docker_*` (rules/optional-shadowed.yaml:9)"], ["`docker_compose_*`", "every tool it matches"]],
    },
    {
      fixture: "rules/required-over-limit.yaml",
      expected: [["required-over-limit", "error", 3, 1]],
      mentions: [["4 required tools", "only 3 fit", "max_tools 8", "safety_margin 5", "Move 1 of them"]],
    },
    {
      fixture: "rules/required-over-limit.yaml",
      opts: { limits: { max_tools: 50, safety_margin: 48 } },
      expected: [["required-over-limit", "error", 3, 1]],
      mentions: [["only 0 fit"]],
    },
    {
      fixture: "rules/limits-looser-than-global.yaml",
      opts: { limits: { max_tokens: 20000 } },
      expected: [
        ["limits-looser-than-global", "error", 5, 14],
        ["limits-looser-than-global", "error", 6, 15],
        ["tokens-unchecked", "notice", 6, 15],
      ],
      mentions: [["limits.max_tools is 80", "global limit of 50"], ["limits.max_tokens is 50000", "20000"], ["no catalog"]],
    },
    {
      fixture: "rules/note-key-unlisted.yaml",
      expected: [["note-key-unlisted", "warning", 8, 3]],
      mentions: [["`read_fil`", "Did you mean `read_file`?"]],
    },
    {
      fixture: "rules/alternative-key-unlisted.yaml",
      expected: [["alternative-key-unlisted", "warning", 5, 3]],
      mentions: [["`ast_parse`", "Add `ast_parse` to a tool list"]],
    },
    {
      fixture: "rules/tool-name-invalid.yaml",
      expected: [
        ["tool-name-invalid", "error", 5, 5],
        ["tool-name-invalid", "error", 6, 5],
        ["tool-name-invalid", "error", 7, 5],
        ["tool-name-invalid", "error", 9, 15],
      ],
      mentions: [["`read file`", "a space"], ["empty"], ["`grep/all`", "`/`"], ["`cat file`", "for `read_file`"]],
    },
    {
      fixture: "rules/pattern-invalid.yaml",
      expected: [
        ["pattern-invalid", "error", 4, 5],
        ["pattern-invalid", "error", 6, 5],
      ],
      mentions: [["`git/*`", "`/`", "`*` and `?`"], ["`docker_[a-z]*`", "`[`, `]`"]],
    },
  ])("$fixture $opts", (row) => {
    run(row);
  });

  it("a manifest within the global limits is not flagged", () => {
    expect(checkFixture("rules/limits-looser-than-global.yaml", { limits: { max_tools: 100, max_tokens: 60000 } }).findings.filter((f) => f.code === "limits-looser-than-global")).toEqual([]);
  });

  it("a required tool matched by a forbidden pattern is not also reported as a duplicate", () => {
    const codes = checkFixture("rules/required-forbidden.yaml").findings.map((f) => f.code);
    expect(codes).not.toContain("tool-duplicate");
  });

  it("entries that are too long are invalid, with the length said", () => {
    const long = "t".repeat(129);
    const f = only(checkBytes("m/long.yaml", `apprentice_type: long\ndescription: x\noptional_tools: [${long}]\n`).findings, "pattern-invalid");
    expect([f.line, f.column]).toEqual([3, 18]);
    expect(f.message).toContain("129 characters");
    expect(f.message).toContain("128");
  });
});

describe("rule 7 (with the fixture catalog)", () => {
  const catalog = fixtureCatalog();
  it.each<Row>([
    {
      fixture: "catalog-rules/required-unknown.yaml",
      expected: [
        ["required-unknown", "error", 4, 5],
        ["required-unknown", "error", 5, 5],
        ["required-unknown", "error", 6, 5],
      ],
      mentions: [["`read_fiel`", "Did you mean `read_file`?", "Change it to `read_file`"], ["`ast_parse`", "neither are its alternatives", "`tree_sitter`", "`pyright_parse`"], ["`lint_python`", "alternatives:"]],
    },
    {
      fixture: "catalog-rules/required-substituted.yaml",
      expected: [["required-substituted", "notice", 5, 5]],
      mentions: [["`ast_parse`", "`treesitter_parse` will be given instead"]],
    },
    {
      fixture: "catalog-rules/optional-unknown.yaml",
      expected: [
        ["optional-unknown", "warning", 4, 5],
        ["optional-unknown", "warning", 5, 5],
      ],
      mentions: [["`globb`", "Did you mean `glob`?"], ["`web_search`", "catalog file"]],
    },
    {
      fixture: "catalog-rules/pattern-matches-nothing.yaml",
      expected: [
        ["pattern-matches-nothing", "warning", 5, 5],
        ["pattern-matches-nothing", "warning", 6, 5],
      ],
      mentions: [["`dockr_*`", "`docker_ps`"], ["`mcp__github`", "No catalog file is named `github`", "`filesystem`"]],
    },
    {
      fixture: "catalog-rules/forbidden-matches-nothing.yaml",
      expected: [
        ["forbidden-matches-nothing", "notice", 6, 5],
        ["forbidden-matches-nothing", "notice", 7, 5],
      ],
      mentions: [["`database_*`"], ["`run_code`"]],
    },
    {
      fixture: "catalog-rules/optional-shadowed-by-server.yaml",
      expected: [
        ["optional-shadowed", "warning", 4, 5],
        ["optional-shadowed", "warning", 5, 5],
        ["optional-shadowed", "warning", 6, 5],
      ],
      mentions: [
        ["`docker_*`", "`mcp__docker` (catalog-rules/optional-shadowed-by-server.yaml:9)"],
        ["`mcp__shell`", "`run_tests` (catalog-rules/optional-shadowed-by-server.yaml:10)", "`bash` (catalog-rules/optional-shadowed-by-server.yaml:11)", "forbid every tool"],
        ["`regex_search`", "`mcp__code`"],
      ],
    },
  ])("$fixture", (row) => {
    run({ ...row, opts: { catalog } });
  });

  it("without a catalog, availability is not checked", () => {
    for (const fixture of ["catalog-rules/required-unknown.yaml", "catalog-rules/optional-unknown.yaml", "catalog-rules/pattern-matches-nothing.yaml", "catalog-rules/forbidden-matches-nothing.yaml"]) {
      expect(checkFixture(fixture).findings, fixture).toEqual([]);
    }
  });

  it("a required tool forbidden through its server, or in its namespaced form, is an error", () => {
    const text = "apprentice_type: ns\ndescription: x\nrequired_tools:\n  - bash\n  - mcp__filesystem__read_file\nforbidden_tools:\n  - mcp__shell\n  - read_*\n";
    const findings = sorted(checkBytes("m/ns.yaml", text, { catalog }).findings);
    expect(places(findings)).toEqual([
      ["required-forbidden", "error", 4, 5],
      ["required-forbidden", "error", 5, 5],
    ]);
    expect(findings[0]?.message).toContain("`mcp__shell` (m/ns.yaml:7)");
    expect(findings[1]?.message).toContain("`read_*` (m/ns.yaml:8)");
  });
});

describe("a manifest as large as a manifest may be", () => {
  it("gets every finding, however many (more than a spread of arguments can carry)", () => {
    // 125,000 unknown tools on one line: a little under the 1 MiB a manifest may weigh.
    const names = Array.from({ length: 125_000 }, (_, i) => `a${i}`);
    const checked = checkBytes("m/big.yaml", `apprentice_type: big\ndescription: d\nrequired_tools: [${names.join(",")}]\n`, { catalog: fixtureCatalog() });
    const unknown = checked.findings.filter((f) => f.code === "required-unknown");
    expect(unknown).toHaveLength(125_000);
    expect(checked.findings.some((f) => f.code === "required-over-limit")).toBe(true);
  }, 60_000);
});

describe("a manifest of a hundred thousand wrong entries", () => {
  it("gets a finding for each (zod's issues are not spread either)", () => {
    const checked = checkBytes("m/numbers.yaml", `apprentice_type: numbers\ndescription: d\nrequired_tools: [${Array.from({ length: 140_000 }, () => "1").join(",")}]\n`);
    expect(checked.findings.filter((f) => f.code.startsWith("schema-")).length).toBeGreaterThanOrEqual(140_000);
  }, 60_000);
});
