import { readFileSync, readdirSync } from "node:fs";
import { parseDocument, parseAllDocuments, LineCounter, Parser, Composer } from "yaml";
const dir = process.argv[2];
const files = readdirSync(dir).map(f => readFileSync(dir + "/" + f, "utf8"));
process.env = { ...process.env };
const big = files.map(f => "---\n" + f + "\n...\n").join("");
const tiny = files.map(() => "a: 1\n");
const res = {}; const rec = (k, v) => { (res[k] ??= []).push(v); };
for (let r = 0; r < 8; r++) {
let t = performance.now();
for (const f of files) { parseDocument(f, { uniqueKeys: true, keepSourceTokens: false }).toJS(); }
rec("separate", performance.now() - t); t = performance.now();
for (const d of parseAllDocuments(big, { uniqueKeys: true })) d.toJS();
rec("all-in-one", performance.now() - t); t = performance.now();
for (const f of tiny) { parseDocument(f).toJS(); }
rec("tiny x1000", performance.now() - t); t = performance.now();
}
for (const [k, v] of Object.entries(res)) { v.sort((a,b)=>a-b); console.log(k.padEnd(15), "min", v[0].toFixed(0), "med", v[v.length>>1].toFixed(0)); }
