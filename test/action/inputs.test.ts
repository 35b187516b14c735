import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ActionInputError } from "../../src/action/errors.js";
import { INPUT_SPECS, parseInputs, type InputName } from "../../src/action/inputs.js";

/** What `core.getInput` returns: the workflow's `with:` values, or "" for those not given (defaults aside). */
function given(values: Partial<Record<InputName, string>> = {}): (name: InputName) => string {
  return (name) => values[name] ?? (name === "github-token" ? "ghs_token" : "");
}

function failure(values: Partial<Record<InputName, string>>): ActionInputError {
  try {
    parseInputs(given(values));
  } catch (err) {
    if (err instanceof ActionInputError) return err;
    throw err;
  }
  throw new Error("expected the inputs to be refused");
}

describe("parseInputs", () => {
  it("takes the action.yml defaults when nothing is given", () => {
    expect(parseInputs(given())).toEqual({ overrides: {}, failOn: "error", comment: true, token: "ghs_token" });
  });

  it("turns every input into a typed value", () => {
    const inputs = parseInputs(
      given({ config: " .github/apprentice-tools.yml ", manifests: "agents/\n\n  more/*.yaml \n", catalog: "tools/", "max-tools": "40", "safety-margin": "0", "fail-on": "Warning", comment: "False" }),
    );
    expect(inputs).toEqual({
      overrides: { config: ".github/apprentice-tools.yml", manifests: ["agents/", "more/*.yaml"], catalog: "tools/", maxTools: 40, safetyMargin: 0 },
      failOn: "warning",
      comment: false,
      token: "ghs_token",
    });
  });

  it.each(["none", "None", "NONE"])("reads catalog %s as no catalog", (catalog) => {
    expect(parseInputs(given({ catalog })).overrides.catalog).toBeNull();
  });

  it.each([
    ["max-tools", "ten", 'max-tools must be a whole number of at least 1; got "ten".'],
    ["max-tools", "0", 'max-tools must be a whole number of at least 1; got "0".'],
    ["max-tools", "1.5", 'max-tools must be a whole number of at least 1; got "1.5".'],
    ["max-tools", "-3", 'max-tools must be a whole number of at least 1; got "-3".'],
    ["safety-margin", "five", 'safety-margin must be a whole number (0 or more); got "five".'],
    ["fail-on", "fatal", 'fail-on must be one of error, warning, never; got "fatal".'],
    ["fail-on", "notice", 'fail-on must be one of error, warning, never; got "notice".'],
    ["comment", "yes", 'comment must be true or false; got "yes".'],
    // These found Object.prototype's members and passed for true.
    ["comment", "constructor", 'comment must be true or false; got "constructor".'],
    ["comment", "toString", 'comment must be true or false; got "toString".'],
    ["comment", "__proto__", 'comment must be true or false; got "__proto__".'],
  ] as const)("refuses %s: %j with one message naming it", (name, value, message) => {
    const err = failure({ [name]: value });
    expect(err.message).toBe(message);
    expect(err.hint).toContain("with:");
  });

  it("refuses a safety margin that leaves no room", () => {
    expect(failure({ "max-tools": "5", "safety-margin": "5" }).message).toBe("safety-margin (5) must be less than max-tools (5), or no apprentice gets any tool.");
  });

  it("names every bad input at once", () => {
    expect(failure({ "max-tools": "ten", "fail-on": "sometimes" }).message.split("\n")).toEqual([
      'max-tools must be a whole number of at least 1; got "ten".',
      'fail-on must be one of error, warning, never; got "sometimes".',
    ]);
  });
});

describe("action.yml", () => {
  const action = parse(readFileSync(new URL("../../action.yml", import.meta.url), "utf8")) as {
    inputs: Record<string, { description: string; default: string; required: boolean }>;
    outputs: Record<string, { description: string }>;
    runs: { using: string; main: string };
  };

  it("declares exactly the inputs the action parses, with the same defaults and descriptions", () => {
    expect(Object.keys(action.inputs)).toEqual(INPUT_SPECS.map((s) => s.name));
    for (const spec of INPUT_SPECS) {
      expect(action.inputs[spec.name], spec.name).toEqual({ description: spec.description, default: spec.default, required: false });
    }
  });

  it("declares the outputs of DESIGN §5 and profiles, and runs the bundle on node24", () => {
    expect(Object.keys(action.outputs)).toEqual(["valid", "errors", "warnings", "plan", "changed", "profiles"]);
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });

  it("is documented input by input in README.md", () => {
    const doc = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const spec of INPUT_SPECS) {
      expect(doc).toContain(`| \`${spec.name}\` | ${spec.default === "" ? "_(empty)_" : `\`${spec.default}\``} | ${spec.description} |`);
    }
  });

  it("uses no pull_request_target in the workflows and docs it ships", () => {
    const files = ["../../.github/workflows/ci.yml", "../../.github/workflows/check-dist.yml", "../../.github/workflows/self-check.yml", "../../.github/workflows/release.yml", "../../README.md"];
    for (const file of files) expect(readFileSync(new URL(file, import.meta.url), "utf8"), file).not.toContain("pull_request_target");
  });
});
