/**
 * zod leaves a `__proto__` key out of every record it parses (a guard against prototype
 * pollution), but `__proto__` is a valid tool name. The record zod made from `given`, with
 * that entry put back in its place, as an own key, when `valid` accepts its value (the
 * record itself when there is nothing to put back).
 */
export function withProtoEntry<T>(parsed: Record<string, T>, given: unknown, valid: (value: unknown) => value is T): Record<string, T> {
  if (given === null || typeof given !== "object" || !Object.hasOwn(given, "__proto__")) return parsed;
  const source = given as Record<string, unknown>;
  const out = Object.create(null) as Record<string, T>;
  for (const key of Object.keys(source)) {
    if (Object.hasOwn(parsed, key)) out[key] = parsed[key] as T;
    else if (key === "__proto__" && valid(source[key])) out[key] = structuredClone(source[key]);
  }
  return Object.setPrototypeOf(out, Object.prototype) as Record<string, T>;
}
