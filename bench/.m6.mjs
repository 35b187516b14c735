import { readFileSync, readdirSync } from "node:fs";
let t = performance.now();
const { countTokens, encode } = await import("gpt-tokenizer/encoding/cl100k_base");
console.log("import", (performance.now() - t).toFixed(0));
const dir = process.argv[2];
const tools = readdirSync(dir).flatMap(f => JSON.parse(readFileSync(dir + "/" + f, "utf8")).tools);
const texts = tools.map(t => JSON.stringify({ name: t.name, description: t.description ?? "", input_schema: t.inputSchema ?? { type: "object" } }));
console.log(tools.length, "avg chars", texts.reduce((a, s) => a + s.length, 0) / texts.length);
for (let r = 0; r < 3; r++) { t = performance.now(); let n = 0; for (const s of texts) n += countTokens(s); console.log("count all", (performance.now() - t).toFixed(0), n); }
