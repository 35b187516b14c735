import { readFileSync, readdirSync } from "node:fs";
import { parseDocument, LineCounter, Parser, Lexer } from "yaml";
import jsyaml from "js-yaml";
const dir = process.argv[2];
const files = readdirSync(dir).map(f => readFileSync(dir + "/" + f, "utf8"));
for (let r = 0; r < 4; r++) {
let t = performance.now();
for (const f of files) { jsyaml.load(f); }
const a = performance.now() - t; t = performance.now();
for (const f of files) { const lc = new LineCounter(); const d = parseDocument(f, { lineCounter: lc, uniqueKeys: true, keepSourceTokens: false }); d.toJS(); }
const b = performance.now() - t; t = performance.now();
for (const f of files) { for (const _ of new Lexer().lex(f)) {} }
const c = performance.now() - t; t = performance.now();
for (const f of files) { for (const _ of new Parser().parse(f)) {} }
const d = performance.now() - t;
console.log(`js-yaml ${a.toFixed(0)} yaml ${b.toFixed(0)} lexer ${c.toFixed(0)} parser(cst) ${d.toFixed(0)}`);
}
