import type { ApprenticePlan } from "../../src/core/plan.js";

/** A plan entry that gives `read_file` and leaves out each of `excluded` as over the limit. */
export function planEntryExcluding(type: string, excluded: readonly string[]): ApprenticePlan {
  return {
    apprentice_type: type,
    file: `manifests/${type}.yaml`,
    status: "ok",
    tools: ["read_file"],
    excluded: excluded.map((tool) => ({ tool, reason: "over_limit" })),
    substitutions: [],
    capacity: { used: 1, available: 4 },
    tokens: null,
    max_tokens: null,
    sources: { read_file: { kind: "required" } },
    missing_required: [],
  } as ApprenticePlan;
}
