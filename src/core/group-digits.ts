/**
 * `12,345`: what `toLocaleString("en-US")` gives for a whole number, without starting
 * Intl (a first call costs tens of milliseconds, a tenth of the action's start-up).
 */
export function groupDigits(n: number): string {
  if (!Number.isSafeInteger(n)) return String(n);
  const digits = String(Math.abs(n));
  let out = "";
  for (let i = digits.length; i > 0; i -= 3) out = `${digits.slice(Math.max(0, i - 3), i)}${out === "" ? "" : ","}${out}`;
  return `${n < 0 ? "-" : ""}${out}`;
}
