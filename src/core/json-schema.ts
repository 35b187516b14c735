import { z } from "zod";
import { ConfigSchema } from "./config-schema.js";
import { ManifestSchema } from "./manifest-schema.js";
import { TOOL_ENTRY_RE, TOOL_NAME_RE } from "./patterns.js";

type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of the manifest, generated from the zod schema (the one source of
 * truth). Tool lists gain the name/pattern regexes so that editors flag bad entries
 * as the check does.
 */
export function manifestJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(ManifestSchema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
  const props = schema.properties as Record<string, JsonSchema>;
  const items = (key: string, pattern: RegExp) => {
    const p = props[key];
    const list = (p?.anyOf as JsonSchema[] | undefined)?.find((b) => b.type === "array") ?? p;
    if (list) list.items = { type: "string", pattern: pattern.source };
  };
  items("required_tools", TOOL_NAME_RE);
  items("optional_tools", TOOL_ENTRY_RE);
  items("forbidden_tools", TOOL_ENTRY_RE);
  return {
    $id: "https://github.com/mallku/apprentice-tools/raw/main/schema/manifest.schema.json",
    ...schema,
  };
}

export function configJsonSchema(): JsonSchema {
  return {
    $id: "https://github.com/mallku/apprentice-tools/raw/main/schema/config.schema.json",
    ...(z.toJSONSchema(ConfigSchema, { io: "input", target: "draft-2020-12" }) as JsonSchema),
  };
}

export function serializeSchema(schema: JsonSchema): string {
  return JSON.stringify(schema, null, 2) + "\n";
}
