import { PLANNED_JSON, type Plan, type ReusedApprenticePlan } from "../core/plan.js";
import { apprenticeJson, apprenticeJsonFromHead, indented, publicPlan } from "../core/render-json.js";

const CHUNK_CHARS = 1 << 20;

/**
 * Writes exactly `renderPlanJson(plan)`, one apprentice at a time, in chunks of about a
 * megabyte. For ten thousand apprentices the JSON is tens of megabytes: built in one
 * piece it is held three times over (the public copy, the string, the bytes written).
 * An entry reused from a check (`PLANNED_JSON`) is written from its stored text.
 */
export function writePlanJson(plan: Plan, write: (text: string) => void): void {
  let pending = "";
  const emit = (text: string) => {
    pending += text;
    if (pending.length >= CHUNK_CHARS) {
      write(pending);
      pending = "";
    }
  };
  const top = publicPlan({ ...plan, apprentices: [] }) as unknown as Record<string, unknown>;
  const keys = Object.keys(top).filter((k) => top[k] !== undefined);
  emit("{\n");
  keys.forEach((key, i) => {
    const after = i < keys.length - 1 ? ",\n" : "\n";
    if (key === "apprentices" && plan.apprentices.length > 0) {
      emit(`  ${JSON.stringify(key)}: [\n`);
      plan.apprentices.forEach((a, j) => {
        const head = (a as ReusedApprenticePlan)[PLANNED_JSON];
        emit(`${head !== undefined && !a.changes ? apprenticeJsonFromHead(head, a.tokens) : apprenticeJson(a)}${j < plan.apprentices.length - 1 ? "," : ""}\n`);
      });
      emit(`  ]${after}`);
    } else {
      emit(`  ${JSON.stringify(key)}: ${indented(JSON.stringify(top[key], null, 2), "  ")}${after}`);
    }
  });
  emit("}\n");
  if (pending) write(pending);
}
