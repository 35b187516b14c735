import { describe, expect, it } from "vitest";
import { writePlanJson } from "../../src/cli/plan-json-writer.js";
import { buildPlan, buildPlanForJson, type Plan, type PlanForJson } from "../../src/core/plan.js";
import { renderPlanJson } from "../../src/core/render-json.js";
import { checkManyManifests } from "../../src/io/parallel-check.js";
import { fixtureCatalog, limitsWith } from "../support/manifest-fixtures.js";
import { planEntryExcluding } from "../support/plan-fixtures.js";

// writePlanJson writes a plan's JSON in chunks of about a megabyte: either each in a buffer
// of its own (the writer may keep it, as a stream does), or all in one buffer reused
// (`done`: the writer is done with a chunk when it returns, as a file write is).

/** A plan long enough for several chunks: 2,000 apprentices × 40 exclusions ≈ 5 MB. */
const plan: Plan = {
  limits: { max_tools: 5, safety_margin: 1, max_tokens: null },
  apprentices: Array.from({ length: 2000 }, (_, i) => planEntryExcluding(`a${String(i).padStart(4, "0")}`, Array.from({ length: 40 }, (_, k) => `tool_number_${k}`))),
};

describe("writePlanJson", () => {
  const expected = renderPlanJson(plan);

  it("kept chunks: each in a buffer of its own, still whole after the writing is done", () => {
    const kept: Uint8Array[] = [];
    writePlanJson(plan, (bytes) => kept.push(bytes));
    expect(kept.length).toBeGreaterThan(3);
    expect(new Set(kept.map((c) => c.buffer)).size).toBe(kept.length);
    expect(Buffer.concat(kept).toString("utf8")).toBe(expected);
  });

  it("with done: one buffer serves every chunk, and the bytes written are the same", () => {
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    writePlanJson(
      plan,
      (bytes) => {
        buffers.add(bytes.buffer);
        copies.push(Buffer.from(bytes));
      },
      { done: true },
    );
    expect(copies.length).toBeGreaterThan(3);
    expect(buffers.size).toBe(1);
    expect(Buffer.concat(copies).toString("utf8")).toBe(expected);
  });
});

describe("a plan of entries the checks made, for JSON only (buildPlanForJson)", () => {
  it("writes what the full plan writes, and what planning afresh writes", async () => {
    const catalog = fixtureCatalog();
    const names = catalog.tools.map((t) => t.name);
    // Invalid, degraded and token-budgeted entries among them; two files of one type (the first counts).
    const files = Array.from({ length: 40 }, (_, i) => `manifests/a${i}.yaml`);
    const contents = files.map((_, i) =>
      Buffer.from(
        [
          `apprentice_type: a${i === 39 ? 3 : i}`,
          "description: d",
          `required_tools: [${names[i % names.length]}${i % 9 === 4 ? ", no_such_tool" : ""}]`,
          `optional_tools: [${names[(i * 7) % names.length]}, ${names[(i * 3 + 1) % names.length]}]`,
          `forbidden_tools: [${i % 10 === 0 ? names[i % names.length] : "nothing_*"}]`,
          ...(i % 6 === 3 ? ["limits: { max_tokens: 900 }"] : []),
          "",
        ].join("\n"),
      ),
    );
    const limits = limitsWith();
    const checked = await checkManyManifests({ files, contents, limits, catalog, plan: true }, 0, { setup: { limits, plan: true }, run: async () => undefined, stop: async () => undefined });
    if (!checked) throw new Error("not checked");
    expect(checked.checked.filter((c) => c.planned).length).toBeGreaterThan(30);
    const opts = { limits, catalog, tokensOf: (t: { index: number }) => 10 + t.index };
    const written = (plan: Plan | PlanForJson) => {
      const chunks: Uint8Array[] = [];
      writePlanJson(plan, (b) => chunks.push(b));
      return Buffer.concat(chunks).toString("utf8");
    };
    const fresh = buildPlan(checked.checked, new Map(), opts);
    const forJson = buildPlanForJson(checked.checked, new Map(), { ...opts, reusePlanned: true });
    expect(forJson.apprentices.map((a) => a.apprentice_type)).toEqual(fresh.apprentices.map((a) => a.apprentice_type));
    expect(written(forJson)).toBe(renderPlanJson(fresh));
    expect(written(buildPlan(checked.checked, new Map(), { ...opts, reusePlanned: true }))).toBe(renderPlanJson(fresh));
  });
});
