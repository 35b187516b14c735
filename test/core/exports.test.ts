import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { buildCatalog, type Catalog } from "../../src/core/catalog.js";
import type { GlobalLimits } from "../../src/core/config-schema.js";
import { buildProfiles, claudeCodeExport, geminiExport, openAiExport, renderExport, vscodeExport, type ExportInput } from "../../src/core/exports.js";
import { checkManifest, type CheckedManifest } from "../../src/core/manifest-check.js";
import type { Manifest } from "../../src/core/manifest-schema.js";
import { buildPlan, planApprentice } from "../../src/core/plan.js";
import { manifestSourceFromBytes } from "../../src/io/repository.js";

const limits: GlobalLimits = { max_tools: 50, safety_margin: 5, max_tokens: null };

function catalogOf(servers: Record<string, string[]>): Catalog {
  const { catalog, problems } = buildCatalog(Object.entries(servers).map(([server, names]) => ({ server, file: `catalog/${server}.json`, data: names })));
  expect(problems).toEqual([]);
  return catalog;
}

function checked(yaml: string, catalog?: Catalog, file = "manifests/reviewer.yaml"): CheckedManifest {
  const text = `apprentice_type: ${file.replace(/^.*\/|\.yaml$/g, "")}\ndescription: "Reviews Python: patterns"\n${yaml}`;
  const c = checkManifest(manifestSourceFromBytes(file, new TextEncoder().encode(text)), catalog ? { limits, catalog } : { limits });
  if (!c.manifest) throw new Error(JSON.stringify(c.findings));
  return c;
}

function input(yaml: string, catalog?: Catalog): ExportInput {
  const c = checked(yaml, catalog);
  const manifest = c.manifest as Manifest;
  const plan = planApprentice(manifest, c.file, c.findings, catalog ? { limits, catalog } : { limits });
  return catalog ? { plan, manifest, catalog } : { plan, manifest };
}

const catalog = catalogOf({
  "code-analysis": ["treesitter_parse", "lint_python"],
  docker: ["docker_run", "docker_ps"],
  filesystem: ["read_file", "write_file", "grep"],
  git: ["git_log", "git_diff"],
  shell: ["bash"],
});

const REVIEWER = `required_tools: [read_file, ast_parse]
optional_tools: [grep, lint_python, git_*]
forbidden_tools: [write_file, docker_*, mcp__shell]
alternatives:
  ast_parse: [treesitter_parse]
requirements: ["Comment, never push"]
`;

describe("Claude Code permissions", () => {
  it("exact mcp__ names, the substitute in its place, deny from forbidden entries expanded", () => {
    const e = claudeCodeExport(input(REVIEWER, catalog));
    const parsed: unknown = JSON.parse(renderExport("claude-code", input(REVIEWER, catalog)).value);
    expect(parsed).toEqual(e.value);
    expect(parsed).toEqual({
      permissions: {
        allow: ["mcp__filesystem__read_file", "mcp__code-analysis__treesitter_parse", "mcp__filesystem__grep", "mcp__code-analysis__lint_python", "mcp__git__git_log", "mcp__git__git_diff"],
        deny: ["mcp__filesystem__write_file", "mcp__docker__docker_run", "mcp__docker__docker_ps", "mcp__shell"],
      },
    });
    expect(e.notes).toContain("`treesitter_parse` is exported in place of `ast_parse`, which is unavailable.");
    expect(e.notes.join("\n")).toContain("`docker_*` is exported as the 2 tools it matches today");
  });

  it("a server whose every tool is given becomes a bare mcp__<server>, unless a forbidden pattern could catch a later tool", () => {
    const safe = claudeCodeExport(input("optional_tools: [git_log, git_diff, grep]\nforbidden_tools: [write_file, mcp__shell, mcp__docker__*]\n", catalog));
    expect(safe.value.permissions).toEqual({ allow: ["mcp__git", "mcp__filesystem__grep"], deny: ["mcp__filesystem__write_file", "mcp__shell", "mcp__docker"] });
    const guarded = claudeCodeExport(input("optional_tools: [git_log, git_diff]\nforbidden_tools: [\"*_push\"]\n", catalog));
    expect(guarded.value.permissions.allow).toEqual(["mcp__git__git_log", "mcp__git__git_diff"]);
  });

  it("without a catalog: bare names, and forbidden patterns said in a note instead of a wildcard", () => {
    const e = claudeCodeExport(input(REVIEWER));
    expect(e.value).toEqual({ permissions: { allow: ["read_file", "ast_parse", "grep", "lint_python"], deny: ["write_file", "mcp__shell"] } });
    expect(e.notes).toEqual(["Forbidden pattern `docker_*` cannot be exported without a catalog to expand it against; it is left out."]);
  });
});

describe("VS Code custom agent", () => {
  it("front matter with server/tool entries and a comment on the substitute", () => {
    const e = vscodeExport(input(REVIEWER, catalog));
    expect(e.value.file).toBe("reviewer.agent.md");
    const match = /^---\n([\s\S]*?)---\n([\s\S]*)$/.exec(e.value.content);
    expect(match).not.toBeNull();
    expect(parseYaml(match?.[1] ?? "")).toEqual({
      name: "reviewer",
      description: "Reviews Python: patterns",
      tools: ["filesystem/read_file", "code-analysis/treesitter_parse", "filesystem/grep", "code-analysis/lint_python", "git/git_log", "git/git_diff"],
    });
    expect(e.value.content).toMatch(/- code-analysis\/treesitter_parse # stands in for ast_parse \(unavailable\)\n/);
    expect(match?.[2]).toContain("- Comment, never push");
    expect(renderExport("vscode", input(REVIEWER, catalog)).value).toBe(e.value.content);
  });

  it("a whole server is <server>/*; tools without a known server stay bare and are noted", () => {
    expect(vscodeExport(input("optional_tools: [git_log, git_diff]\n", catalog)).value.tools).toEqual(["git/*"]);
    const e = vscodeExport(input("required_tools: [read_file]\n"));
    expect(e.value.tools).toEqual(["read_file"]);
    expect(e.notes.join(" ")).toContain("no catalog entry says which MCP server offers it");
  });
});

describe("Gemini CLI settings", () => {
  it("includeTools per server, excludeTools for forbidden tools and for servers given nothing", () => {
    const parsed: unknown = JSON.parse(renderExport("gemini", input(REVIEWER, catalog)).value);
    expect(parsed).toEqual({
      mcpServers: {
        filesystem: { includeTools: ["read_file", "grep"], excludeTools: ["write_file"] },
        "code-analysis": { includeTools: ["treesitter_parse", "lint_python"] },
        git: { includeTools: ["git_log", "git_diff"] },
        shell: { excludeTools: ["bash"] },
        docker: { excludeTools: ["docker_run", "docker_ps"] },
      },
    });
  });

  it("strips the mcp__ prefix a catalog may list names with", () => {
    const cat = catalogOf({ docs: ["mcp__docs__search"] });
    expect(geminiExport(input("required_tools: [mcp__docs__search]\n", cat)).value).toEqual({ mcpServers: { docs: { includeTools: ["search"] } } });
  });
});

describe("OpenAI Responses API", () => {
  it("one mcp tool per server with its allowed_tools", () => {
    const parsed: unknown = JSON.parse(renderExport("openai", input(REVIEWER, catalog)).value);
    expect(parsed).toEqual({
      tools: [
        { type: "mcp", server_label: "filesystem", allowed_tools: ["read_file", "grep"] },
        { type: "mcp", server_label: "code-analysis", allowed_tools: ["treesitter_parse", "lint_python"] },
        { type: "mcp", server_label: "git", allowed_tools: ["git_log", "git_diff"] },
      ],
    });
  });

  it("without a catalog there is nothing to place, and the note says why", () => {
    const e = openAiExport(input(REVIEWER));
    expect(e.value).toEqual({ tools: [] });
    expect(e.notes.join(" ")).toContain("add the server's tools/list to the catalog");
  });
});

describe("buildProfiles", () => {
  it("every apprentice, every configured target, as plain JSON", () => {
    const cs = [checked(REVIEWER, catalog), checked("required_tools: [bash]\n", catalog, "manifests/runner.yaml")];
    const plan = buildPlan(cs, new Map(cs.map((c) => [c.file, c.findings])), { limits, catalog });
    const profiles = buildProfiles(plan, cs, ["claude-code", "cursor", "vscode", "claude-code"], catalog);
    const json = JSON.parse(JSON.stringify(profiles)) as typeof profiles;
    expect(json.targets).toEqual(["claude-code", "cursor", "vscode"]);
    expect(Object.keys(json.apprentices)).toEqual(["reviewer", "runner"]);
    const reviewer = json.apprentices.reviewer;
    expect(reviewer?.substitutions).toEqual([{ tool: "ast_parse", with: "treesitter_parse" }]);
    expect(Object.keys(reviewer?.exports ?? {})).toEqual(["claude-code", "cursor", "vscode"]);
    expect(reviewer?.exports["claude-code"]).toEqual(claudeCodeExport(input(REVIEWER, catalog)).value);
    expect(reviewer?.exports.cursor).toEqual({ servers: { filesystem: ["read_file", "grep"], "code-analysis": ["treesitter_parse", "lint_python"], git: ["git_log", "git_diff"] }, unassigned: [] });
    expect(json.apprentices.runner?.exports["claude-code"]).toEqual({ permissions: { allow: ["mcp__shell"], deny: [] } });
  });
});

// Found by fuzzing: the Gemini export dropped a server named `__proto__` (assigned to `{}`,
// it set the prototype), and the tools to enable threw on a server named `constructor`.
describe("servers named like the keys of Object.prototype", () => {
  const servers = ["__proto__", "constructor", "toString", "docs"];
  const odd = buildCatalog(servers.map((server, i) => ({ server, file: `catalog/${server}.json`, data: [`tool_${i}`, `other_${i}`] }))).catalog;
  const wanted = "required_tools: [tool_0, tool_1, tool_2]\nforbidden_tools: [other_0, other_1]\n";
  const expected = (tools: string[][]) => servers.slice(0, 3).map((server, i) => [server, tools[i]]);

  it("each is its own key of the Gemini settings", () => {
    const rendered = JSON.parse(renderExport("gemini", input(wanted, odd)).value) as { mcpServers: Record<string, { includeTools?: string[]; excludeTools?: string[] }> };
    expect(Object.entries(rendered.mcpServers).map(([server, entry]) => [server, entry.includeTools, entry.excludeTools])).toEqual([
      ["__proto__", ["tool_0"], ["other_0"]],
      ["constructor", ["tool_1"], ["other_1"]],
      ["toString", ["tool_2"], undefined],
      ["docs", undefined, ["tool_3", "other_3"]],
    ]);
  });

  it("each is its own key of the tools to enable (Cursor, Windsurf) and of the profiles", () => {
    const cs = [checked(wanted, odd)];
    const plan = buildPlan(cs, new Map(cs.map((c) => [c.file, c.findings])), { limits, catalog: odd });
    const profiles = JSON.parse(JSON.stringify(buildProfiles(plan, cs, ["cursor", "gemini"], odd))) as { apprentices: Record<string, { exports: { cursor: { servers: Record<string, string[]> }; gemini: { mcpServers: Record<string, unknown> } } }> };
    const reviewer = profiles.apprentices.reviewer;
    expect(Object.entries(reviewer?.exports.cursor.servers ?? {})).toEqual(expected([["tool_0"], ["tool_1"], ["tool_2"]]));
    expect(Object.keys(reviewer?.exports.gemini.mcpServers ?? {})).toEqual(servers);
  });
});

describe("property: Claude Code rules are exact names or bare servers, never partial wildcards", () => {
  const name = fc.stringMatching(/^[a-c][a-c_]{0,3}$/);
  const catalogArb = fc.dictionary(fc.constantFrom("s1", "s2", "s3"), fc.uniqueArray(name, { minLength: 1, maxLength: 4 }), { minKeys: 1 });
  const entry = (servers: string[], names: string[]) =>
    fc.oneof(
      fc.constantFrom(...names),
      fc.constantFrom(...servers).map((s) => `mcp__${s}`),
      fc.constantFrom(...servers).map((s) => `mcp__${s}__*`),
      fc.constantFrom(...names).map((n) => `${n.slice(0, 1)}*`),
      fc.constantFrom(...names).map((n) => `${n.slice(0, -1)}?`),
      name,
    );

  it("holds for generated catalogs and manifests", () => {
    fc.assert(
      fc.property(
        catalogArb.chain((servers) => {
          const names = [...new Set(Object.values(servers).flat())];
          const keys = Object.keys(servers);
          return fc.record({ servers: fc.constant(servers), required: fc.uniqueArray(fc.constantFrom(...names), { maxLength: 3 }), optional: fc.array(entry(keys, names), { maxLength: 6 }), forbidden: fc.array(entry(keys, names), { maxLength: 3 }) });
        }),
        ({ servers, required, optional, forbidden }) => {
          // Names are unique across servers in a catalog: keep each name in its first server.
          const seen = new Set<string>();
          const files = Object.fromEntries(Object.entries(servers).map(([s, ns]) => [s, ns.filter((n) => !seen.has(n) && seen.add(n))]));
          const cat = buildCatalog(Object.entries(files).map(([server, data]) => ({ server, file: `${server}.json`, data }))).catalog;
          const manifest: Manifest = { apprentice_type: "p", description: "p", required_tools: required, optional_tools: optional, forbidden_tools: forbidden, alternatives: {}, tool_notes: {}, limits: {}, requirements: [] };
          const plan = planApprentice(manifest, "p.yaml", [], { limits, catalog: cat });
          const { allow, deny } = claudeCodeExport({ plan, manifest, catalog: cat }).value.permissions;
          for (const rule of [...allow, ...deny]) expect(rule).toMatch(/^[A-Za-z0-9_.:-]+$/);
          // With a catalog, every allow rule names a known server: whole, or one exact tool of it.
          for (const rule of allow) {
            const whole = cat.servers.some((s) => rule === `mcp__${s}`);
            const exact = cat.tools.some((t) => rule === t.qualified);
            expect(whole || exact, rule).toBe(true);
          }
          // Every given tool is allowed, by exact name or by its whole server; nothing denied is given.
          for (const t of plan.tools) {
            const ct = cat.get(t);
            expect(allow.includes(`mcp__${ct?.server}__${t}`) || allow.includes(`mcp__${ct?.server}`), t).toBe(true);
            expect(deny).not.toContain(`mcp__${ct?.server}__${t}`);
          }
          // A whole-server allow rule never covers a tool that is not given.
          for (const rule of allow.filter((r) => !r.slice(5).includes("__"))) {
            const s = rule.slice(5);
            for (const t of cat.tools.filter((x) => x.server === s)) expect(plan.tools).toContain(t.name);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
