import { readFileSync, readdirSync } from "node:fs";
import { parseDocument, LineCounter, Lexer, Parser, Composer } from "yaml";
import jsyaml from "js-yaml";
const dir = process.argv[2];
const files = readdirSync(dir).map(f => readFileSync(dir + "/" + f, "utf8"));
const realEnv = process.env; process.env={...realEnv};
const res = {};
const rec = (k, v) => { (res[k] ??= []).push(v); };
for (let r = 0; r < 12; r++) {
let t = performance.now();
for (const f of files) { jsyaml.load(f); }
rec("js-yaml", performance.now() - t); t = performance.now();
for (const f of files) { const lc = new LineCounter(); const d = parseDocument(f, { lineCounter: lc, uniqueKeys: true, keepSourceTokens: false }); d.toJS(); }
rec("yaml", performance.now() - t);
process.env = { ...realEnv };
t = performance.now();
for (const f of files) { const lc = new LineCounter(); const d = parseDocument(f, { lineCounter: lc, uniqueKeys: true, keepSourceTokens: false }); d.toJS(); }
rec("yaml-plainenv", performance.now() - t); t = performance.now();
for (const f of files) { for (const _ of new Lexer().lex(f)) {} }
rec("lex", performance.now() - t); t = performance.now();
for (const f of files) { for (const _ of new Parser().parse(f)) {} }
rec("cst", performance.now() - t); t = performance.now();
for (const f of files) { const lc = new LineCounter(); const d = parseDocument(f, { lineCounter: lc, uniqueKeys: true, keepSourceTokens: false }); }
rec("doc-no-toJS", performance.now() - t); t = performance.now();
process.env = realEnv;
}
for (const [k, v] of Object.entries(res)) { v.sort((a,b)=>a-b); console.log(k.padEnd(15), "min", v[0].toFixed(0), "med", v[v.length>>1].toFixed(0)); }
