import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../../src/core/config-check.js";
import { defaultConfig } from "../../src/core/config-schema.js";
import { compareFindings } from "../../src/core/finding.js";
import { parseYamlSource } from "../../src/io/yaml-source.js";
import { expectTeaches, FIXTURES, places, type Place } from "../support/manifest-fixtures.js";

// Rule 11: the config file's own mistakes, reported the same way as a manifest's.

function checkConfigFixture(name: string) {
  const file = `config/${name}`;
  const yaml = parseYamlSource(file, readFileSync(join(FIXTURES, file), "utf8"));
  expect(yaml.findings).toEqual([]);
  const result = checkConfig(file, yaml.data, yaml.locate);
  return { ...result, findings: [...result.findings].sort(compareFindings) };
}

describe("rule 11: configuration mistakes", () => {
  it.each<[fixture: string, expected: Place[], mentions: string[][], usesDefaults: boolean]>([
    ["config-unknown-key.yml", [["schema-unknown-key", "warning", 1, 1]], [["`limts`", "Did you mean `limits`?"]], false],
    [
      "config-nested-unknown-key.yml",
      [
        ["schema-unknown-key", "warning", 3, 3],
        ["schema-unknown-key", "warning", 6, 3],
      ],
      [
        ["`limits.safety_margn`", "`safety_margin`"],
        ["`feedback.tresholds`", "`thresholds`"],
      ],
      false,
    ],
    ["config-wrong-type.yml", [["schema-wrong-type", "error", 2, 14]], [["`limits.max_tools`", 'the text "fifty"', "max_tools: 50"]], true],
    ["config-unknown-target.yml", [["config-unknown-target", "error", 3, 5]], [["`curser`", "`cursor`", "`claude-code`"]], true],
    ["config-not-mapping.yml", [["config-not-mapping", "error", 1, 1]], [["not a mapping", "max_tools"]], true],
    [
      "config-invalid-value.yml",
      [
        ["schema-invalid-value", "error", 1, 12],
        ["schema-invalid-value", "error", 4, 10],
      ],
      [["`manifests`", 'manifests: "manifests/**/*.{yml,yaml}"'], ["`feedback.thresholds.add`", "add: 3"]],
      true,
    ],
  ])("%s", (fixture, expected, mentions, usesDefaults) => {
    const { config, findings } = checkConfigFixture(fixture);
    expect(places(findings)).toEqual(expected);
    findings.forEach((f, i) => {
      expect(f.file).toBe(`config/${fixture}`);
      expectTeaches(f);
      for (const m of mentions[i] ?? []) expect(`${f.message} ${f.next_steps.join(" ")}`).toContain(m);
    });
    // A config with errors is not half-applied: the defaults stand until it is fixed.
    if (usesDefaults) expect(config).toEqual(defaultConfig());
  });

  it("a config with only warnings is applied", () => {
    const { config } = checkConfigFixture("config-nested-unknown-key.yml");
    expect(config.limits.max_tools).toBe(40);
    expect(config.feedback.half_life_days).toBe(30);
  });

  it("an empty config file means the defaults, silently", () => {
    expect(checkConfig("apprentice-tools.yml", null, () => undefined)).toEqual({ config: defaultConfig(), findings: [] });
  });

  it("the defaults are DESIGN §3's", () => {
    expect(defaultConfig()).toMatchObject({
      manifests: "manifests/**/*.{yml,yaml}",
      catalog: "manifests/catalog/",
      limits: { max_tools: 50, safety_margin: 5, max_tokens: null },
      targets: [],
      fallback: null,
      feedback: { half_life_days: 90, thresholds: { add: 3, remove_unused: 30, replace: 3 }, distinct_reporters: true },
      usage: "usage/",
    });
  });
});
