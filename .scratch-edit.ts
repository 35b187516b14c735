import { readFileSync } from "node:fs";
import { editManifestText } from "./src/core/manifest-edit.js";
const t = readFileSync("../shared/mallku-manifests/python_patterns.yaml", "utf8");
for (const e of [
  { op: "append", list: "optional_tools", tool: "ast_parse" },
  { op: "remove", list: "optional_tools", tool: "bash" },
  { op: "replace", lists: ["required_tools"], tool: "grep", with: "ripgrep_search" },
  { op: "append", list: "optional_tools", tool: "null" },
] as const) {
  const r = editManifestText(t, e);
  if (!r.ok) { console.log(r); continue; }
  const a = t.split("\n"), b = r.text.split("\n");
  console.log(JSON.stringify(e)); 
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) { console.log(i+1, JSON.stringify(a[i]), "=>", JSON.stringify(b[i])); break; }
  console.log(r.text.split("\n").slice(8, 21).join("\n"));
}
