import { loadRepository } from "../build/src/io/repository.js";
import { workingTree } from "../build/src/io/file-source.js";
import { checkRepository, planRepository } from "../build/src/core/check-repository.js";
import { renderPlanJson } from "../build/src/core/render-json.js";
const [dir, cat] = process.argv.slice(2);
process.env = { ...process.env };
let t = performance.now();
const repo = await loadRepository(workingTree(process.cwd()), { manifests: [dir], catalog: cat });
console.log("load", (performance.now() - t).toFixed(0));
for (let r = 0; r < 3; r++) {
t = performance.now();
const check = checkRepository(repo);
const t2 = performance.now();
const plan = planRepository(repo, check);
const t3 = performance.now();
const json = renderPlanJson(plan);
const t4 = performance.now();
console.log("check", (t2 - t).toFixed(0), "plan", (t3 - t2).toFixed(0), "json", (t4 - t3).toFixed(0), json.length);
}
