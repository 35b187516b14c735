import type { CatalogFileInput } from "../core/catalog.js";
import { makeFinding, type Finding } from "../core/finding.js";
import type { FileBytes } from "./read-file.js";
import { stemOf } from "./manifest-source.js";
import { decodeUtf8, parseYamlSource, positionOf } from "./yaml-source.js";

/** One catalog file as read: its text, for handing to worker threads that build their own catalog. */
export interface CatalogText {
  file: string;
  text: string;
}

/** Decodes one catalog file: its text, or why it cannot be read. */
export function decodeCatalogFile(file: string, bytes: FileBytes): { text: CatalogText } | { finding: Finding } {
  const decoded = decodeUtf8(file, bytes, "catalog");
  return "finding" in decoded ? decoded : { text: { file, text: decoded.text } };
}

/** Parses one catalog file (JSON, or YAML for `.yml`/`.yaml`); the server is the file's stem. */
export function catalogInputFrom({ file, text }: CatalogText): { input: CatalogFileInput } | { findings: Finding[] } {
  const server = stemOf(file);
  if (file.endsWith(".json")) {
    try {
      return { input: { server, file, data: JSON.parse(text) } };
    } catch (err) {
      const m = /position (\d+)/.exec(String(err));
      return { findings: [makeFinding(file, m ? positionOf(text, Number(m[1])) : undefined, "error", "catalog-invalid-json", `Catalog file ${file} is not valid JSON: ${(err as Error).message}`, "The tools of this server are unknown until the file is fixed, so they count as unavailable.", ["Fix the JSON, or regenerate it with `apprentice-tools catalog refresh`."])] };
    }
  }
  const yaml = parseYamlSource(file, text);
  return yaml.findings.length ? { findings: yaml.findings } : { input: { server, file, data: yaml.data } };
}
