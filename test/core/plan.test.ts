import { describe, expect, it } from "vitest";
import { checkRepository, planRepository, type RepositoryInput } from "../../src/core/check-repository.js";
import { defaultConfig } from "../../src/core/config-schema.js";
import { makeFinding, summarize } from "../../src/core/finding.js";
import { buildPlan, diffContextOf, diffPlans, planWithChanges, type ApprenticePlan, type Plan } from "../../src/core/plan.js";
import { renderPlanJson } from "../../src/core/render-json.js";
import { renderFindingsMarkdown, renderPlanMarkdown } from "../../src/core/render-markdown.js";
import { capacityBar, groupDigits, renderDiffText, renderPlanText } from "../../src/core/render-text.js";
import { manifestSourceFromBytes } from "../../src/io/repository.js";
import { checkBytes, fixtureCatalog } from "../support/manifest-fixtures.js";

const catalog = fixtureCatalog();

function planOf(files: Record<string, string>, withCatalog = true): Plan {
  const input: RepositoryInput = {
    config: defaultConfig(),
    manifests: Object.entries(files).map(([file, text]) => manifestSourceFromBytes(file, new TextEncoder().encode(text))),
    findings: [],
    ...(withCatalog ? { catalog, tokensOf: () => 100 } : {}),
  };
  return planRepository(input, checkRepository(input));
}

const FILES = {
  "manifests/writer.yaml": "apprentice_type: writer\ndescription: d\nrequired_tools: [read_file, ast_parse]\noptional_tools: [docker_*, glob]\nforbidden_tools: [docker_run]\nalternatives: { ast_parse: [treesitter_parse] }\n",
  "manifests/degraded.yaml": "apprentice_type: degraded\ndescription: d\nrequired_tools: [read_file, lint_python]\n",
  "manifests/broken.yaml": "apprentice_type: broken\ndescription: d\nrequired_tools: [read_*]\noptional_tools: [grep]\n",
};

const sortedKeys = (o: object) => Object.keys(o).sort();

describe("plan JSON (DESIGN §5)", () => {
  const plan = planOf(FILES);
  const json = JSON.parse(renderPlanJson(plan)) as { limits: object; apprentices: Record<string, unknown>[] };

  it("has exactly the public fields", () => {
    expect(sortedKeys(json)).toEqual(["apprentices", "limits"]);
    expect(json.limits).toEqual({ max_tools: 50, safety_margin: 5, max_tokens: null });
    for (const a of json.apprentices) {
      expect(sortedKeys(a)).toEqual(["apprentice_type", "capacity", "excluded", "file", "status", "substitutions", "tokens", "tools"]);
      expect(sortedKeys(a.capacity as object)).toEqual(["available", "used"]);
      for (const e of a.excluded as object[]) expect(sortedKeys(e)).toEqual(["reason", "tool"]);
      for (const s of a.substitutions as object[]) expect(sortedKeys(s)).toEqual(["tool", "with"]);
    }
  });

  it("orders apprentices by type and gives each its status", () => {
    expect(json.apprentices.map((a) => [a.apprentice_type, a.file, a.status])).toEqual([
      ["broken", "manifests/broken.yaml", "invalid"],
      ["degraded", "manifests/degraded.yaml", "degraded"],
      ["writer", "manifests/writer.yaml", "ok"],
    ]);
  });

  it("carries tools, exclusions, substitutions, capacity and tokens", () => {
    expect(json.apprentices[2]).toEqual({
      apprentice_type: "writer",
      file: "manifests/writer.yaml",
      status: "ok",
      tools: ["read_file", "treesitter_parse", "docker_ps", "docker_logs", "glob"],
      excluded: [
        { tool: "ast_parse", reason: "unavailable" },
        { tool: "docker_run", reason: "forbidden" },
      ],
      substitutions: [{ tool: "ast_parse", with: "treesitter_parse" }],
      capacity: { used: 5, available: 45 },
      tokens: 500,
    });
  });

  it("tokens is null without a catalog", () => {
    const bare = JSON.parse(renderPlanJson(planOf(FILES, false))) as { apprentices: { tokens: unknown }[] };
    expect(bare.apprentices.map((a) => a.tokens)).toEqual([null, null, null]);
  });

  it("with a base, each apprentice carries changes {added, removed}", () => {
    const base = planOf({ ...FILES, "manifests/writer.yaml": FILES["manifests/writer.yaml"].replace("glob]", "grep]") });
    const withChanges = JSON.parse(renderPlanJson(planWithChanges(base, plan))) as { apprentices: Record<string, unknown>[] };
    for (const a of withChanges.apprentices) expect(sortedKeys(a)).toContain("changes");
    expect(withChanges.apprentices.map((a) => [a.apprentice_type, a.changes])).toEqual([
      ["broken", { added: [], removed: [] }],
      ["degraded", { added: [], removed: [] }],
      ["writer", { added: ["glob"], removed: ["grep"] }],
    ]);
  });
});

describe("diffPlans", () => {
  const base = planOf({
    "manifests/a.yaml": "apprentice_type: a\ndescription: d\nrequired_tools: [read_file]\noptional_tools: [docker_logs, glob]\n",
    "manifests/gone.yaml": "apprentice_type: gone\ndescription: d\nrequired_tools: [grep]\n",
    "manifests/same.yaml": "apprentice_type: same\ndescription: d\nrequired_tools: [grep]\n",
  });
  const head = planOf({
    "manifests/a.yaml": "apprentice_type: a\ndescription: d\nrequired_tools: [read_file]\noptional_tools: [docker_*, glob]\nforbidden_tools: [docker_logs]\n",
    "manifests/new.yaml": "apprentice_type: new\ndescription: d\nrequired_tools: [bash]\n",
    "manifests/same.yaml": "apprentice_type: same\ndescription: d\nrequired_tools: [grep]\n",
  });
  const diff = diffPlans(base, head);

  it("says per apprentice what is added and removed, and why", () => {
    expect(diff.apprentices.map((d) => [d.apprentice_type, d.kind, d.added, d.removed])).toEqual([
      ["a", "changed", ["docker_ps", "docker_run"], ["docker_logs"]],
      ["gone", "removed", [], ["grep"]],
      ["new", "added", ["bash"], []],
      ["same", "unchanged", [], []],
    ]);
    expect(diff.changed).toEqual(["a", "gone", "new"]);
    const a = diff.apprentices[0];
    expect(a?.removedWhy).toEqual({ docker_logs: "forbidden: docker_logs" });
    expect(a?.addedWhy).toEqual({ docker_ps: "optional (docker_*)", docker_run: "optional (docker_*)" });
    expect(diff.apprentices[1]?.removedWhy).toEqual({ grep: "apprentice removed" });
  });

  it("a tool taken off a list and forbidden in the same change is said to be forbidden, by the head's pattern", () => {
    const files = (optional: string, forbidden: string) => ({ "manifests/a.yaml": `apprentice_type: a\ndescription: d\nrequired_tools: [read_file]\noptional_tools: [${optional}]\nforbidden_tools: [${forbidden}]\n` });
    const input = (f: Record<string, string>): RepositoryInput => ({ config: defaultConfig(), manifests: Object.entries(f).map(([file, text]) => manifestSourceFromBytes(file, new TextEncoder().encode(text))), findings: [], catalog, tokensOf: () => 100 });
    const before = planOf(files("glob, docker_logs, grep", "k8s_*"));
    const headInput = input(files("grep", "docker_*, k8s_*"));
    const headCheck = checkRepository(headInput);
    const after = planRepository(headInput, headCheck);
    // glob went off the list and nothing forbids it; docker_logs went off it into forbidden_tools.
    expect(diffPlans(before, after, diffContextOf(headCheck.checked, catalog)).apprentices[0]?.removedWhy).toEqual({ glob: "no longer listed", docker_logs: "forbidden: docker_*" });
    // Without the head's manifests, all the diff can say is that it is no longer listed.
    expect(diffPlans(before, after).apprentices[0]?.removedWhy).toEqual({ glob: "no longer listed", docker_logs: "no longer listed" });
  });

  it("keeps the reason of a tool named __proto__ like any other", () => {
    const file = (optional: string) => ({ "manifests/a.yaml": `apprentice_type: a\ndescription: d\nrequired_tools: [read_file]\noptional_tools: [${optional}]\n` });
    const d = diffPlans(planOf(file("__proto__, grep"), false), planOf(file("grep, constructor"), false)).apprentices[0];
    expect(Object.entries(d?.removedWhy ?? {})).toEqual([["__proto__", "no longer listed"]]);
    expect(Object.entries(d?.addedWhy ?? {})).toEqual([["constructor", "optional"]]);
  });

  it("a status change alone is a change", () => {
    const degraded: Plan = { ...head, apprentices: head.apprentices.map((x) => (x.apprentice_type === "same" ? { ...x, status: "degraded" } : x)) };
    expect(diffPlans(head, degraded).changed).toEqual(["same"]);
  });

  it("renders as text: + and − lines with reasons, or a single line when nothing changes", () => {
    const text = renderDiffText(diff);
    expect(text).toContain("a (changed): 3/45 → 4/45");
    expect(text).toContain("  + docker_ps  (optional (docker_*))");
    expect(text).toContain("  - docker_logs  (forbidden: docker_logs)");
    expect(text).toContain("new (added): — → 1/45");
    expect(text).not.toContain("same");
    expect(renderDiffText(diffPlans(head, head))).toBe("No apprentice's tools change.\n");
  });
});

describe("text renderer", () => {
  it.each<[used: number, available: number, bar: string]>([
    [0, 45, "░".repeat(20) + " 0/45"],
    [12, 45, "█".repeat(5) + "░".repeat(15) + " 12/45"],
    [45, 45, "█".repeat(20) + " 45/45"],
    [50, 45, "█".repeat(20) + " 50/45"],
    [1, 45, "█" + "░".repeat(19) + " 1/45"],
    [44, 45, "█".repeat(19) + "░" + " 44/45"],
    [0, 0, "░".repeat(20) + " 0/0"],
  ])("capacityBar(%i, %i)", (used, available, bar) => {
    expect(capacityBar(used, available)).toBe(bar);
  });

  it("shows a table per apprentice with its capacity bar, exclusions and missing tools", () => {
    const text = renderPlanText(planOf(FILES));
    expect(text).toMatch(/^Provisioning plan: 3 apprentices, limits max_tools 50 − safety_margin 5\n/);
    expect(text).toContain("writer [ok]  manifests/writer.yaml");
    expect(text).toContain(`  ${"█".repeat(2)}${"░".repeat(18)} 5/45 tools   ~500 tokens`);
    expect(text).toMatch(/2 +treesitter_parse +alternative to ast_parse/);
    expect(text).toMatch(/docker_run +forbidden: docker_run/);
    expect(text).toContain("degraded [DEGRADED]");
    expect(text).toContain("⚠ missing required: lint_python");
    expect(text).toContain("broken [INVALID]");
  });
});

describe("markdown renderer", () => {
  const hostile = "x`|<img src=x onerror=alert(1)>@octocat";
  const plan: Plan = {
    limits: { max_tools: 50, safety_margin: 5, max_tokens: null },
    apprentices: [
      {
        apprentice_type: "evil",
        file: "manifests/evil`|.yaml",
        status: "invalid",
        tools: [hostile],
        excluded: [{ tool: "<b>bold</b>", reason: "forbidden", detail: "@admin | `*`" }],
        substitutions: [],
        capacity: { used: 1, available: 45 },
        tokens: null,
        max_tokens: null,
        sources: { [hostile]: { kind: "optional", entry: "<script>*" } },
        missing_required: ["@here`"],
      } satisfies ApprenticePlan,
    ],
  };

  // Inside a code span GitHub shows HTML and @mentions as text; everywhere else they must be escaped.
  const outsideCode = (md: string) => md.replace(/`[^`\n]*`/g, "CODE");

  it("escapes tool names, details and paths: no HTML, no mentions, no broken tables", () => {
    const md = renderPlanMarkdown(plan);
    const prose = outsideCode(md).replace(/<\/?(details|summary)>/g, "");
    expect(prose).not.toMatch(/[<>]/);
    expect(prose).not.toMatch(/@(?!\u200b)/);
    expect(md).toContain("`xˋ¦<img src=x onerror=alert(1)>@octocat`");
    expect(md).toContain("@\u200badmin");
    for (const line of md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| ---"))) {
      const cells = line.split(" | ").length;
      expect(cells, line).toBeLessThanOrEqual(5);
    }
    expect(md).toContain("`█░░░░░░░░░░░░░░░░░░░ 1/45`");
    expect(md).toContain("❌ invalid");
  });

  it("escapes a hostile apprentice description reaching a finding", () => {
    const text = 'apprentice_type: "<img src=x onerror=alert(1)> @octocat | `x`"\ndescription: "<script>alert(1)</script>"\n';
    const { findings } = checkBytes("manifests/evil.yaml", text);
    const extra = makeFinding("manifests/evil.yaml", { line: 2, column: 14 }, "warning", "note", "Description says <script>alert(1)</script> to @team", "why", ["fix"]);
    const md = renderFindingsMarkdown([...findings, extra], summarize(findings, 1));
    const prose = outsideCode(md);
    expect(prose).not.toMatch(/[<>]/);
    expect(prose).not.toMatch(/@(?!\u200b)/);
    expect(md).toContain("&#60;img src=x onerror=alert(1)&#62;");
    expect(md.split("\n").filter((l) => l.startsWith("| ❌") || l.startsWith("| ⚠️")).every((l) => l.split(" | ").length === 5)).toBe(true);
  });
});

describe("groupDigits", () => {
  it("writes whole numbers as toLocaleString('en-US') does", () => {
    for (const n of [0, 7, 999, 1000, 12345, 1048576, -1234567, Number.MAX_SAFE_INTEGER, 1.5, NaN]) expect(groupDigits(n)).toBe(Number.isSafeInteger(n) ? n.toLocaleString("en-US") : String(n));
  });
});

describe("buildPlan with checked manifests made by hand", () => {
  it("reads the type from the manifest when `type` is not set", () => {
    const manifest = { apprentice_type: "handmade", description: "d", required_tools: ["read_file"], optional_tools: [], forbidden_tools: [], alternatives: {}, tool_notes: {}, limits: {}, requirements: [] };
    const plan = buildPlan([{ file: "m/handmade.yaml", stem: "handmade", manifest, findings: [], locate: () => undefined }], new Map(), { limits: defaultConfig().limits });
    expect(plan.apprentices.map((a) => [a.apprentice_type, a.tools])).toEqual([["handmade", ["read_file"]]]);
  });
});
