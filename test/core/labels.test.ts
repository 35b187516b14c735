import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apprenticeLabel, cappedLabel, isManagedLabel, kindLabel, LABEL_MAX, LABELS, stableHash, toolLabel } from "../../src/core/labels.js";

const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-".split("");
/** Valid tool names long enough that `tool:<name>` is over the cap. */
const longToolName = fc.array(fc.constantFrom(...NAME_CHARS), { minLength: 46, maxLength: 128 }).map((cs) => cs.join(""));

describe("label names", () => {
  it("keeps names within the cap as they are", () => {
    expect(toolLabel("ast_parse").name).toBe("tool:ast_parse");
    expect(apprenticeLabel("python_patterns_reviewer").name).toBe("apprentice:python_patterns_reviewer");
    const exactly50 = "x".repeat(LABEL_MAX - "tool:".length);
    expect(toolLabel(exactly50).name).toBe(`tool:${exactly50}`);
  });

  it("shortens a name over 50 characters with a stable hash, keeping the readable start", () => {
    const tool = `mcp__github__${"get_pull_request_review_comment_".repeat(3)}`;
    const name = toolLabel(tool).name;
    expect(name).toHaveLength(LABEL_MAX);
    expect(name.startsWith("tool:mcp__github__get_pull_request")).toBe(true);
    expect(name).toMatch(/~[0-9a-z]{12}$/);
    expect(toolLabel(tool).name).toBe(name);
  });

  it("hashes the same on every run and machine (a label lives on in repositories)", () => {
    expect(stableHash("")).toMatchInlineSnapshot(`"lqz15d4d9yib"`);
    expect(stableHash("ast_parse")).toMatchInlineSnapshot(`"gzanuvnaka60"`);
    expect(cappedLabel("tool:", `mcp__github__${"get_pull_request_review_comment_".repeat(3)}`)).toMatchInlineSnapshot(`"tool:mcp__github__get_pull_request_re~gtplndvy7kmx"`);
  });

  it("never lets two different long tools share a label", () => {
    fc.assert(
      fc.property(longToolName, longToolName, (a, b) => {
        fc.pre(a !== b);
        const la = toolLabel(a).name;
        const lb = toolLabel(b).name;
        expect(la.length).toBeLessThanOrEqual(LABEL_MAX);
        expect(la).not.toBe(lb);
      }),
      { numRuns: 2000 },
    );
  });

  it("never lets two long tools that differ in one character in the middle share a label", () => {
    // The hard case: the readable start is the same, only the hash can tell them apart.
    fc.assert(
      fc.property(longToolName.filter((n) => n.length > 60), fc.nat(), fc.constantFrom(...NAME_CHARS), (name, at, ch) => {
        const i = 40 + (at % (name.length - 40));
        fc.pre(name[i] !== ch);
        const other = name.slice(0, i) + ch + name.slice(i + 1);
        expect(toolLabel(name).name).not.toBe(toolLabel(other).name);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps descriptions within GitHub's 100 characters", () => {
    expect(toolLabel("t".repeat(128)).description.length).toBeLessThanOrEqual(100);
    expect(apprenticeLabel("a".repeat(128)).description.length).toBeLessThanOrEqual(100);
  });

  it("gives every label the bot makes a colour and a description", () => {
    const all = [...Object.values(LABELS), kindLabel("missing-tool"), kindLabel("tool-problem"), kindLabel("tool-suggestion"), toolLabel("grep"), apprenticeLabel("ci_doctor")];
    for (const l of all) {
      expect(l.color).toMatch(/^[0-9a-f]{6}$/);
      expect(l.color).not.toBe("ededed");
      expect(l.description.length).toBeGreaterThan(0);
      expect(l.name.length).toBeLessThanOrEqual(LABEL_MAX);
    }
  });
});

describe("isManagedLabel", () => {
  it.each([
    ["feedback:missing-tool", true],
    ["apprentice:ci_doctor", true],
    ["tool:grep", true],
    ["severity:critical", true],
    ["needs-info", true],
    ["apprentice-feedback", false],
    ["bug", false],
    ["apprentice-tools:dashboard", false],
  ])("%s → %s", (name, managed) => {
    expect(isManagedLabel(name)).toBe(managed);
  });
});
