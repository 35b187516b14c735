import { PLANNED_JSON, type ApprenticePlan, type Plan, type PlanForJson, type ReusedApprenticePlan } from "../core/plan.js";
import { apprenticeJson, indented, publicPlan, Utf8Sink, writeApprenticeJsonTail } from "../core/render-json.js";

const CHUNK_BYTES = 1 << 20;

/**
 * Writes exactly `renderPlanJson(plan)` as UTF-8, one apprentice at a time, in chunks of
 * about a megabyte. For ten thousand apprentices the JSON is tens of megabytes: built in
 * one piece it is held three times over (the public copy, the string, the bytes written).
 * An entry reused from a check (`PLANNED_JSON`) is written from its stored bytes.
 *
 * `write` may keep each chunk it is given (a stream queues it), unless `done` says it is
 * done with a chunk when it returns (a synchronous file write): then one buffer serves
 * every chunk, instead of a new megabyte each, which the garbage collector frees late
 * (external memory): for a plan of ten thousand apprentices, ~35 MB less at the peak.
 */
export function writePlanJson(plan: Plan | PlanForJson, write: (bytes: Uint8Array) => void, options: { done?: boolean } = {}): void {
  let out = new Utf8Sink(CHUNK_BYTES + (CHUNK_BYTES >> 2));
  const flush = (force: boolean) => {
    if (out.length === 0 || (!force && out.length < CHUNK_BYTES)) return;
    write(out.bytes.subarray(0, out.length));
    if (options.done) out.length = 0;
    else out = new Utf8Sink(CHUNK_BYTES + (CHUNK_BYTES >> 2));
  };
  const top = publicPlan({ ...plan, apprentices: [] }) as unknown as Record<string, unknown>;
  const keys = Object.keys(top).filter((k) => top[k] !== undefined);
  out.ascii("{\n");
  keys.forEach((key, i) => {
    const after = i < keys.length - 1 ? ",\n" : "\n";
    if (key === "apprentices" && plan.apprentices.length > 0) {
      out.text(`  ${JSON.stringify(key)}: [\n`);
      plan.apprentices.forEach((a, j) => {
        const head = (a as ReusedApprenticePlan)[PLANNED_JSON];
        if (head !== undefined && !a.changes) {
          out.raw(head);
          writeApprenticeJsonTail(a.tokens, out);
        } else {
          // Only reused entries lack the rest (PlannedJsonEntry), and they have a head.
          out.text(apprenticeJson(a as ApprenticePlan));
        }
        out.ascii(j < plan.apprentices.length - 1 ? ",\n" : "\n");
        flush(false);
      });
      out.ascii(`  ]${after}`);
    } else {
      out.text(`  ${JSON.stringify(key)}: ${indented(JSON.stringify(top[key], null, 2), "  ")}${after}`);
    }
  });
  out.ascii("}\n");
  flush(true);
}
