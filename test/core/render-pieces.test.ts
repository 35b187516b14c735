import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Finding, FindingSummary } from "../../src/core/finding.js";
import { inChunks } from "../../src/core/pieces.js";
import type { ApprenticePlan, Plan } from "../../src/core/plan.js";
import { renderFindingsGithub, writeFindingsGithub } from "../../src/core/render-github.js";
import { publicFinding, publicPlan, renderFindingsJson, renderPlanJson, writeFindingsJson, writePrettyJson } from "../../src/core/render-json.js";
import { planMarkdownPieces, renderPlanMarkdown } from "../../src/core/render-markdown.js";
import { renderFindingsText, renderPlanText, TEXT_FINDINGS_PER_FILE, writeFindingsText, writePlanText } from "../../src/core/render-text.js";
import { planEntryExcluding } from "../support/plan-fixtures.js";

// Reports are written in pieces, so that any number of findings (or apprentices) can be
// reported: a check of 20 manifests with 115,000 duplicate entries each made 2.3 million
// findings, whose report was longer than one string can be (RangeError: Invalid string
// length, from every format). The pieces make the same text as before.

/** V8's longest string (2^29 − 24 characters on 64-bit): what the reports below exceed. */
const MAX_STRING = 2 ** 29 - 24;

const text = fc.oneof(fc.string(), fc.constantFrom("read_file", 'q"uote', "back\\slash", "new\nline", "\u2028", "50%:,"));
const finding: fc.Arbitrary<Finding> = fc
  .record({
    file: fc.constantFrom("manifests/a.yaml", "manifests/b.yaml", "apprentice-tools.yml"),
    line: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    column: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    severity: fc.constantFrom("error", "warning", "notice"),
    code: fc.constantFrom("tool-duplicate", "schema-unknown-key"),
    message: text,
    guidance: text,
    next_steps: fc.array(text, { maxLength: 2 }),
  })
  .map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as unknown as Finding);
const summaryOf = (findings: readonly Finding[]): FindingSummary => ({ errors: findings.filter((f) => f.severity === "error").length, warnings: findings.filter((f) => f.severity === "warning").length, notices: findings.filter((f) => f.severity === "notice").length, files: 3 });

const joined = (write: (w: (piece: string) => void) => void) => {
  const pieces: string[] = [];
  write((piece) => pieces.push(piece));
  return pieces.join("");
};

describe("written in pieces, the reports are the same text", () => {
  it("check --format json: JSON.stringify of {findings, summary}", () => {
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 5 }), (findings) => {
        const expected = JSON.stringify({ findings: findings.map(publicFinding), summary: summaryOf(findings) }, null, 2) + "\n";
        expect(joined((w) => writeFindingsJson(findings, summaryOf(findings), w))).toBe(expected);
        expect(renderFindingsJson(findings, summaryOf(findings))).toBe(expected);
      }),
    );
  });

  it("writePrettyJson: JSON.stringify(value, null, 2), at any depth of pieces", () => {
    const value = fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.option(fc.jsonValue(), { nil: undefined })), fc.array(fc.option(fc.jsonValue(), { nil: undefined })));
    fc.assert(
      fc.property(value, fc.nat({ max: 4 }), (v, depth) => {
        expect(joined((w) => writePrettyJson(v, w, depth))).toBe(JSON.stringify(v, null, 2) + "\n");
      }),
    );
    const plan: Plan = { limits: { max_tools: 5, safety_margin: 1, max_tokens: null }, apprentices: [apprentice("a", 3), apprentice("b", 0)] };
    expect(joined((w) => writePrettyJson(publicPlan(plan), w))).toBe(renderPlanJson(plan));
    expect(joined((w) => writePrettyJson({ when: new Date(0) }, w))).toBe(JSON.stringify({ when: new Date(0) }, null, 2) + "\n");
  });

  it("check --format github: one annotation line per finding", () => {
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 5 }), (findings) => {
        expect(joined((w) => writeFindingsGithub(findings, w))).toBe(renderFindingsGithub(findings));
        expect(renderFindingsGithub(findings).split("\n")).toHaveLength(findings.length + 1);
      }),
    );
  });

  it("the text report and the plan in text and Markdown: the one-string renderers are the pieces joined", () => {
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 5 }), (findings) => {
        expect(joined((w) => writeFindingsText(findings, summaryOf(findings), w))).toBe(`${renderFindingsText(findings, summaryOf(findings))}\n`);
      }),
    );
    const plan: Plan = { limits: { max_tools: 5, safety_margin: 1, max_tokens: 900 }, apprentices: [apprentice("a", 3), apprentice("b", 0)] };
    expect(joined((w) => writePlanText(plan, w))).toBe(renderPlanText(plan));
    expect([...planMarkdownPieces(plan)].join("")).toBe(renderPlanMarkdown(plan));
    expect(renderPlanText({ ...plan, apprentices: [] })).toBe("Provisioning plan: 0 apprentices, limits max_tools 5 − safety_margin 1, max_tokens 900\n\n\n");
  });

  it("inChunks hands on the pieces in order, in chunks of about the size asked", () => {
    const chunks: string[] = [];
    const out = inChunks((c) => chunks.push(c), 10);
    for (const piece of ["abc", "defg", "hij", "k", "lmnopqrstu", "v"]) out.write(piece);
    out.end();
    expect(chunks).toEqual(["abcdefghij", "klmnopqrstu", "v"]);
  });
});

describe("the text report shows the first findings of each file", () => {
  const many = (file: string, n: number, severity: Finding["severity"]): Finding[] => Array.from({ length: n }, (_, i) => ({ file, line: i + 1, column: 1, severity, code: "tool-duplicate", message: `m${i}`, guidance: "g", next_steps: ["s"] }));

  it(`at most ${TEXT_FINDINGS_PER_FILE} per file, one line for the rest, and the verdict counts every one`, () => {
    const findings = [...many("manifests/a.yaml", 250, "warning"), ...many("manifests/b.yaml", 3, "error")];
    const report = renderFindingsText(findings, { errors: 3, warnings: 250, notices: 0, files: 2 });
    expect(report.match(/^manifests\/a\.yaml:\d+:1: warning:/gm)).toHaveLength(TEXT_FINDINGS_PER_FILE);
    expect(report).toContain("manifests/a.yaml:100:1: warning: m99 [tool-duplicate]");
    expect(report).not.toContain("manifests/a.yaml:101:1:");
    expect(report).toContain("manifests/a.yaml: … and 150 more findings (150 warnings) not shown: the text report shows the first 100 of each file; `--format json` lists them all.\n\nmanifests/b.yaml:1:1: error: m0");
    expect(report.match(/^manifests\/b\.yaml:\d+:1: error:/gm)).toHaveLength(3);
    expect(report.endsWith("✗ 2 manifests checked: 3 errors, 250 warnings, 0 notices.")).toBe(true);
  });

  it("with no cap, every one", () => {
    const findings = many("manifests/a.yaml", 250, "notice");
    expect(renderFindingsText(findings, { errors: 0, warnings: 0, notices: 250, files: 1 }, undefined, Infinity).match(/^manifests\/a\.yaml:\d+:1: notice:/gm)).toHaveLength(250);
  });
});

/** A plan entry with `excluded` tools whose names are 100 characters long. */
function apprentice(type: string, excluded: number, names = Array.from({ length: excluded }, (_, i) => `tool_${String(i).padStart(95, "0")}`)): ApprenticePlan {
  return planEntryExcluding(type, names);
}

describe("reports longer than one string can be", () => {
  // 250,000 findings, built directly (a check that makes them takes much longer), each with
  // a message of about 2,300 characters: every report below is as long as 2.3 million
  // findings with ordinary messages made it (longer than a string can be, which each test
  // checks), for a tenth of the work per finding. The writers' output grows with the text,
  // not with the count, so the count is not what is at stake here; a check that makes
  // hundreds of thousands of findings is in test/cli/large-reports.test.ts.
  const COUNT = 250_000;
  const MESSAGE = "`a` is listed twice in required_tools (first at line 3). ".repeat(40).trimEnd();
  const findings: Finding[] = Array.from({ length: COUNT }, (_, i) => ({
    file: `manifests/r${Math.floor(i / 100)}.yaml`,
    line: 3,
    column: 20 + (i % 100) * 2,
    endLine: 3,
    endColumn: 21 + (i % 100) * 2,
    severity: "warning",
    code: "tool-duplicate",
    message: MESSAGE,
    guidance: "The second entry has no effect, and a reader may think the order means something it does not.",
    next_steps: ["Remove this entry."],
  }));
  const summary: FindingSummary = { errors: 0, warnings: COUNT, notices: 0, files: COUNT / 100 };

  /** Writes a report, keeping only its length, its first and last pieces, and (if asked) how many line breaks it has. */
  function measure(write: (w: (piece: string) => void) => void, countLines = true): { length: number; lines: number; first: string; last: string } {
    let length = 0;
    let lines = 0;
    let first = "";
    let last = "";
    write((piece) => {
      length += piece.length;
      if (countLines) for (let at = piece.indexOf("\n"); at !== -1; at = piece.indexOf("\n", at + 1)) lines++;
      if (first.length < 2000) first += piece;
      last = piece;
    });
    return { length, lines, first, last };
  }

  it("check --format json: 250,000 findings of 2,300 characters", () => {
    const r = measure((w) => writeFindingsJson(findings, summary, w));
    expect(r.length).toBeGreaterThan(MAX_STRING);
    // Each finding is 12 lines of pretty JSON (line, column and one step included).
    expect(r.lines).toBe(COUNT * 12 + 10);
    expect(r.first.startsWith(`{\n  "findings": [\n    ${JSON.stringify(publicFinding(findings[0] as Finding), null, 2).replace(/\n/g, "\n    ")},\n`)).toBe(true);
    expect(r.last.endsWith(`"files": ${COUNT / 100}\n  }\n}\n`)).toBe(true);
  }, 60_000);

  it("check --format github: 250,000 annotations of 2,300 characters", () => {
    const r = measure((w) => writeFindingsGithub(findings, w));
    expect(r.length).toBeGreaterThan(MAX_STRING);
    expect(r.lines).toBe(COUNT);
    expect(r.first.startsWith("::warning file=manifests/r0.yaml,line=3,col=20,endLine=3,endColumn=21,title=tool-duplicate::`a` is listed twice")).toBe(true);
  }, 60_000);

  it("check (text): 250,000 findings of 2,300 characters, 100 in each of 2,500 files, all shown", () => {
    const r = measure((w) => writeFindingsText(findings, summary, w));
    expect(r.length).toBeGreaterThan(MAX_STRING);
    expect(r.first.startsWith(`manifests/r0.yaml:3:20: warning: ${MESSAGE} [tool-duplicate]\n  why: `)).toBe(true);
    expect(r.last).toBe(`✓ ${COUNT / 100} manifests checked: 0 errors, ${COUNT} warnings, 0 notices.\n`);
  }, 60_000);

  // 190 apprentices excluding 20,000 tools each, whose names are as long as tool names may be (128 characters).
  // The 20,000 exclusions are built once and shared by the 190 entries (the writer only reads them).
  const names = Array.from({ length: 20_000 }, (_, i) => `tool_${String(i).padStart(123, "0")}`);
  const shared = apprentice("a0", 0, names);
  const plan: Plan = { limits: { max_tools: 5, safety_margin: 1, max_tokens: null }, apprentices: Array.from({ length: 190 }, (_, i) => ({ ...shared, apprentice_type: `a${i}`, file: `manifests/a${i}.yaml` })) };

  it("plan (text): 190 apprentices excluding 20,000 tools each", () => {
    const r = measure((w) => writePlanText(plan, w), false);
    expect(r.length).toBeGreaterThan(MAX_STRING);
    expect(r.first.startsWith("Provisioning plan: 190 apprentices, limits max_tools 5 − safety_margin 1\n\na0 [ok]  manifests/a0.yaml\n")).toBe(true);
  }, 60_000);

  it("plan (Markdown): a piece per apprentice, as in text (the job summary reads them until it has enough: test/action/job-summary.test.ts)", () => {
    const small: Plan = { ...plan, apprentices: plan.apprentices.slice(0, 3).map((a) => ({ ...a, excluded: a.excluded.slice(0, 5) })) };
    const pieces = [...planMarkdownPieces(small)];
    // The limits, the table, the chart, each apprentice, the last line break.
    expect(pieces).toHaveLength(3 + 3 + 1);
    expect(pieces.slice(3, 6).map((p) => /^\n\n### (a\d) /.exec(p)?.[1])).toEqual(["a0", "a1", "a2"]);
    const text: string[] = [];
    writePlanText(small, (p) => text.push(p));
    expect(text).toHaveLength(1 + 3 + 1);
  });
});
