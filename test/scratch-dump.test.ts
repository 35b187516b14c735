import { it } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { checkFixture, fixtureCatalog, FIXTURES } from "./support/manifest-fixtures.js";
it("dump", () => {
  const catalog = fixtureCatalog();
  for (const dir of ["yaml", "schema", "rules", "catalog-rules"]) {
    for (const f of readdirSync(join(FIXTURES, dir)).sort()) {
      const c = checkFixture(`${dir}/${f}`, dir === "catalog-rules" ? { catalog } : {});
      console.log(`## ${dir}/${f}\n` + c.findings.map((x) => `  ${x.line}:${x.column} ${x.severity} ${x.code} | ${x.message} | ${x.next_steps.join(" / ")}`).join("\n"));
    }
  }
});
