import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/core/finding.js";
import { diffPlans, type ApprenticePlan, type Plan } from "../../src/core/plan.js";
import { GITHUB_BODY_LIMIT, PLAN_COMMENT_MARKER, renderPlanComment, utf8Length } from "../../src/core/render-comment.js";

function apprentice(over: Partial<ApprenticePlan> & { apprentice_type: string }): ApprenticePlan {
  const tools = over.tools ?? ["read_file", "grep"];
  return {
    file: `manifests/${over.apprentice_type}.yaml`,
    status: "ok",
    tools,
    excluded: [],
    substitutions: [],
    capacity: { used: tools.length, available: 45 },
    tokens: null,
    max_tokens: null,
    sources: Object.fromEntries(tools.map((t) => [t, { kind: "required" as const }])),
    missing_required: [],
    ...over,
  };
}

function plan(...apprentices: ApprenticePlan[]): Plan {
  return { limits: { max_tools: 50, safety_margin: 5, max_tokens: null }, apprentices };
}

function finding(over: Partial<Finding> = {}): Finding {
  return { file: "manifests/alpha.yaml", line: 3, column: 5, severity: "error", code: "required-forbidden", message: "`bash` is both required and forbidden.", guidance: "Forbidden always wins.", next_steps: ["Remove `bash` from forbidden_tools."], ...over };
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe("renderPlanComment", () => {
  it("says in one line that nothing changes", () => {
    const same = plan(apprentice({ apprentice_type: "alpha" }));
    const body = renderPlanComment({ diff: diffPlans(same, same) });
    expect(body).toBe(`${PLAN_COMMENT_MARKER}\n✅ No apprentice's tools change in this pull request.`);
  });

  it("shows tools added and removed with why, capacity before → after, and errors", () => {
    const base = plan(apprentice({ apprentice_type: "alpha", tools: ["read_file", "bash"] }), apprentice({ apprentice_type: "beta" }));
    const head = plan(
      apprentice({
        apprentice_type: "alpha",
        tools: ["read_file", "ast_parse"],
        sources: { read_file: { kind: "required" }, ast_parse: { kind: "optional", entry: "ast_*" } },
        excluded: [{ tool: "bash", reason: "forbidden", detail: "bash" }],
      }),
      apprentice({ apprentice_type: "beta" }),
      apprentice({ apprentice_type: "gamma", tools: ["grep"] }),
    );
    const body = renderPlanComment({ diff: diffPlans(base, head), findings: [finding(), finding({ severity: "warning", message: "only a warning" })], footer: "<sub>run</sub>" });

    expect(body.startsWith(`${PLAN_COMMENT_MARKER}\n`)).toBe(true);
    expect(body).toContain("**2 apprentices** (1 new, 1 changed, 0 removed; 1 unchanged)");
    expect(body).toMatch(/\| `alpha` \| ✏️ changed \| 2\/45 → 2\/45 \| ➕ `ast_parse`<br>➖ `bash` \| ok \| ❌ 1 \|/);
    expect(body).toMatch(/\| `gamma` \| 🆕 new \| — → 1\/45 \| ➕ `grep` \|/);
    expect(body).toContain("| ➕ | `ast_parse` | optional (ast&#95;&#42;) |");
    expect(body).toContain("| ➖ | `bash` | forbidden: bash |");
    expect(body).toContain("**1 error** in the manifests");
    expect(body).toContain("- `manifests/alpha.yaml:3:5` &#96;bash&#96; is both required and forbidden. → Remove &#96;bash&#96; from forbidden&#95;tools.");
    expect(body).not.toContain("only a warning");
    expect(body).not.toContain("`beta`");
    expect(body.endsWith("<sub>run</sub>")).toBe(true);
  });

  it("lists errors even when no tool changes", () => {
    const same = plan(apprentice({ apprentice_type: "alpha" }));
    const body = renderPlanComment({ diff: diffPlans(same, same), findings: [finding()] });
    expect(body).toContain("✅ No apprentice's tools change in this pull request. ❌ **1 error** in the manifests.");
    expect(body).toContain("#### ❌ Errors");
  });

  it("omits the marker when asked (a pull request body)", () => {
    const body = renderPlanComment({ diff: diffPlans(plan(), plan(apprentice({ apprentice_type: "alpha" }))), marker: null, title: "Plan diff" });
    expect(body).not.toContain("<!--");
    expect(body.startsWith("### Plan diff")).toBe(true);
  });

  it("stays under GitHub's limit for a huge plan, folding detail and saying what it left out", () => {
    const tools = (i: number) => Array.from({ length: 60 }, (_, t) => `mcp__server_${i}__tool_with_a_rather_long_name_${t}`);
    const head = plan(...Array.from({ length: 800 }, (_, i) => apprentice({ apprentice_type: `apprentice_${i}`, tools: tools(i) })));
    const errors = Array.from({ length: 500 }, (_, i) => finding({ file: `manifests/apprentice_${i}.yaml`, message: "x".repeat(400) }));
    const body = renderPlanComment({ diff: diffPlans(plan(), head), findings: errors, footer: "<sub>footer</sub>" });

    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(utf8Length(body)).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(body.startsWith(PLAN_COMMENT_MARKER)).toBe(true);
    expect(body).toContain("Shortened to fit GitHub's 65,536-character limit");
    expect(body).toContain("…and 480 more errors");
    expect(count(body, "<details>")).toBe(count(body, "</details>"));
    expect(body.endsWith("<sub>footer</sub>")).toBe(true);
  });

  it.each([2_000, 5_000, 20_000])("respects a smaller limit of %i", (limit) => {
    const head = plan(...Array.from({ length: 300 }, (_, i) => apprentice({ apprentice_type: `a${i}`, tools: ["read_file", `tool_${i}`] })));
    const body = renderPlanComment({ diff: diffPlans(plan(), head), limit });
    expect(utf8Length(body)).toBeLessThanOrEqual(limit);
    expect(body).toContain("left out");
  });

  it("keeps hostile names from breaking the markdown, mentioning anyone or forging the marker", () => {
    const evil = "x|y`</details><!-- apprentice-tools:plan -->@org/team";
    const base = plan(apprentice({ apprentice_type: evil, tools: [evil] }));
    const head = plan(apprentice({ apprentice_type: evil, tools: ["read_file", "@octocat"], file: `manifests/${evil}.yaml` }));
    const body = renderPlanComment({ diff: diffPlans(base, head), findings: [finding({ file: `manifests/${evil}.yaml`, message: `Unknown key ${evil}`, next_steps: [`Rename ${evil}`] })] });

    expect(count(body, PLAN_COMMENT_MARKER)).toBe(1);
    expect(body.indexOf(PLAN_COMMENT_MARKER)).toBe(0);
    expect(count(body, "<!--")).toBe(1);
    expect(count(body, "<details>")).toBe(count(body, "</details>"));
    // Code spans never mention anyone; elsewhere an @ must be disarmed.
    expect(body.replace(/`[^`]*`/g, "")).not.toMatch(/@[A-Za-z0-9]/);
    const table = body.split("\n").filter((line) => line.startsWith("| "));
    const header = table[0] ?? "";
    for (const row of table.filter((line) => !line.includes("| Tool | Why |") && !line.startsWith("| ➕") && !line.startsWith("| ➖") && !line.startsWith("| --- | --- | --- |\n"))) {
      if (row.split(" | ").length === 3) continue; // the per-apprentice detail tables
      expect(row.split(" | ").length).toBe(header.split(" | ").length);
    }
    for (const row of table.filter((line) => line.startsWith("| ➕") || line.startsWith("| ➖"))) expect(row.split(" | ").length).toBe(3);
  });
});
