import { readFileSync, readdirSync } from "node:fs";
import { parseDocument, LineCounter } from "yaml";
const dir = process.argv[2];
const files = readdirSync(dir).map(f => readFileSync(dir + "/" + f, "utf8"));
process.env = { ...process.env };
for (let r = 0; r < 5; r++) {
const t = performance.now();
for (const f of files) { const lc = new LineCounter(); const d = parseDocument(f, { lineCounter: lc, uniqueKeys: true, keepSourceTokens: false }); d.toJS(); }
console.log((performance.now() - t).toFixed(0));
}
