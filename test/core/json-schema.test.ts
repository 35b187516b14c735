import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { configJsonSchema, manifestJsonSchema, serializeSchema } from "../../src/core/json-schema.js";

const read = (name: string) => readFileSync(new URL(`../../schema/${name}`, import.meta.url), "utf8");

describe("generated JSON Schema", () => {
  it.each([
    ["manifest.schema.json", manifestJsonSchema],
    ["config.schema.json", configJsonSchema],
  ])("schema/%s is up to date with the zod schema (run `npm run schema` when this fails)", (file, make) => {
    expect(read(file)).toBe(serializeSchema(make()));
  });

  it("accepts a good manifest and rejects bad tool names, as the check does", () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(manifestJsonSchema());
    expect(validate({ apprentice_type: "a", description: "d", required_tools: ["read_file"], optional_tools: ["git_*"] })).toBe(true);
    expect(validate({ apprentice_type: "a", description: "d", required_tools: ["git_*"] })).toBe(false);
    expect(validate({ apprentice_type: "A b", description: "d" })).toBe(false);
    expect(validate({ description: "d" })).toBe(false);
  });
});
