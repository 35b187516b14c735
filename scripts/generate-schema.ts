// Writes schema/*.schema.json from the zod schemas (`npm run schema`); a test fails when they are stale.
import { writeFile } from "node:fs/promises";
import { configJsonSchema, manifestJsonSchema, serializeSchema } from "../src/core/json-schema.js";

await writeFile(new URL("../schema/manifest.schema.json", import.meta.url), serializeSchema(manifestJsonSchema()));
await writeFile(new URL("../schema/config.schema.json", import.meta.url), serializeSchema(configJsonSchema()));
console.log("wrote schema/manifest.schema.json and schema/config.schema.json");
