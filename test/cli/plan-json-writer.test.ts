import { describe, expect, it } from "vitest";
import { writePlanJson } from "../../src/cli/plan-json-writer.js";
import type { Plan } from "../../src/core/plan.js";
import { renderPlanJson } from "../../src/core/render-json.js";
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
