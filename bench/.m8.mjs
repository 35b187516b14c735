import { loadRepository } from "../build/src/io/repository.js";
import { workingTree } from "../build/src/io/file-source.js";
import { checkRepository, planRepository } from "../build/src/core/check-repository.js";
const [dir, cat] = process.argv.slice(2);
process.env = { ...process.env };
const repo = await loadRepository(workingTree(process.cwd()), { manifests: [dir], catalog: cat });
const check0 = checkRepository(repo); planRepository(repo, check0);
let t = performance.now();
for (let r = 0; r < 5; r++) { const check = checkRepository(repo); planRepository(repo, check); }
console.log("5 rounds", (performance.now() - t).toFixed(0));
