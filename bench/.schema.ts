import { z } from "zod";
import { writeFileSync } from "node:fs";
import { ManifestSchema } from "../src/core/manifest-schema.js";
writeFileSync("/tmp/benchschema/manifest.schema.json", JSON.stringify(z.toJSONSchema(ManifestSchema, { io: "input" }), null, 2));
