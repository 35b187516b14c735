import { describe, expect, it } from "vitest";
import { annotationOf, chooseAnnotations } from "../../src/action/annotations.js";
import { addedLines, changedLinesOf } from "../../src/action/changed-lines.js";
import type { Finding } from "../../src/core/finding.js";

function finding(over: Partial<Finding> = {}): Finding {
  return { file: "manifests/a.yaml", line: 1, column: 1, severity: "error", code: "c", message: "m", guidance: "g", next_steps: [], ...over };
}

describe("addedLines", () => {
  it("numbers the head-side lines a patch adds, across hunks", () => {
    const patch = ["@@ -1,3 +1,4 @@", " keep", "-gone", "+new 2", "+new 3", " keep", "@@ -10,2 +11,3 @@ context", " keep 11", "+new 12", "\\ No newline at end of file"].join("\n");
    expect([...addedLines(patch)]).toEqual([2, 3, 12]);
  });

  it("treats a file without a patch (binary, huge) as wholly changed and ignores removed files", () => {
    const changed = changedLinesOf([
      { filename: "big.yaml", status: "modified" },
      { filename: "gone.yaml", status: "removed", patch: "@@ -1 +0,0 @@\n-x" },
      { filename: "new.yaml", status: "added", patch: "@@ -0,0 +1,2 @@\n+a\n+b" },
    ]);
    expect([...changed.keys()]).toEqual(["big.yaml", "new.yaml"]);
    expect(changed.get("big.yaml")).toBe("all");
    expect(changed.get("new.yaml")).toEqual(new Set([1, 2]));
  });
});

describe("chooseAnnotations", () => {
  const changed = new Map([["manifests/changed.yaml", new Set([7, 8])]]);

  it("puts errors first, then those on changed lines, then those in changed files, then the rest", () => {
    const findings = [
      finding({ file: "manifests/other.yaml", severity: "warning", code: "w-other" }),
      finding({ file: "manifests/other.yaml", code: "e-other" }),
      finding({ file: "manifests/changed.yaml", line: 2, code: "e-changed-file" }),
      finding({ file: "manifests/changed.yaml", line: 8, code: "e-changed-line" }),
      finding({ file: "manifests/changed.yaml", line: 6, endLine: 7, severity: "warning", code: "w-spans-changed-line" }),
      finding({ file: "manifests/changed.yaml", line: undefined, column: undefined, severity: "notice", code: "n" }),
    ];
    const { annotated, unannotated } = chooseAnnotations(findings, changed);
    expect(annotated.map((f) => f.code)).toEqual(["e-changed-line", "e-changed-file", "e-other", "w-spans-changed-line", "w-other", "n"]);
    expect(unannotated).toEqual([]);
  });

  it("annotates at most N of each severity and hands the rest back for the summary", () => {
    const errors = Array.from({ length: 13 }, (_, i) => finding({ line: i + 1, code: `e${i}` }));
    const warnings = Array.from({ length: 3 }, (_, i) => finding({ line: i + 1, severity: "warning", code: `w${i}` }));
    const { annotated, unannotated } = chooseAnnotations([...warnings, ...errors], undefined, 10);
    expect(annotated.filter((f) => f.severity === "error")).toHaveLength(10);
    expect(annotated.filter((f) => f.severity === "warning")).toHaveLength(3);
    expect(unannotated.map((f) => f.code)).toEqual(["e10", "e11", "e12"]);
  });
});

describe("annotationOf", () => {
  it.each([
    ["one line", { line: 3, column: 5, endLine: 3, endColumn: 9 }, { startLine: 3, startColumn: 5, endLine: 3, endColumn: 9 }],
    ["several lines: no column range", { line: 3, column: 5, endLine: 6, endColumn: 2 }, { startLine: 3, startColumn: 5, endLine: 6 }],
    ["no place", { line: undefined, column: undefined }, {}],
  ] as const)("places %s as GitHub accepts it", (_, place, expected) => {
    const a = annotationOf(finding({ ...place, message: "What.", guidance: "Why.", next_steps: ["Do this.", "Or that."] }));
    expect(a.properties).toEqual({ title: "c (apprentice-tools)", file: "manifests/a.yaml", ...expected });
    expect(a.message).toBe("What.\nWhy.\n→ Do this.\n→ Or that.");
  });
});
