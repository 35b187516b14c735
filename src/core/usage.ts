import { z } from "zod";
import { makeFinding, type Finding } from "./finding.js";
import { withProtoEntry } from "./proto-key.js";

/**
 * One apprentice session's usage summary (DESIGN §6), one JSON object per line:
 * `{"ts","apprentice_type","session","provided":[…],"calls":{tool: n}}`.
 * Unknown fields are ignored so that spawners may add their own.
 */
export const UsageRecordSchema = z.object({
  ts: z.iso.datetime({ offset: true }),
  apprentice_type: z.string().min(1),
  session: z.string().min(1),
  provided: z.array(z.string().min(1)).default([]),
  calls: z.record(z.string().min(1), z.int().nonnegative()).default({}),
});
export type UsageRecord = z.output<typeof UsageRecordSchema>;

export interface UsageParseResult {
  records: UsageRecord[];
  /** One warning per line that could not be used, with its line number. */
  problems: Finding[];
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

const EXAMPLE_LINE = '{"ts":"2026-11-01T12:00:00Z","apprentice_type":"python_patterns","session":"s1","provided":["grep"],"calls":{"grep":12}}';
const GUIDANCE = "A line that cannot be read is left out of the usage evidence, so removals and additions are judged on fewer sessions.";

/** Usage files over this size are not read (a summary line per session: millions of sessions). */
export const MAX_USAGE_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a JSON Lines usage file. Blank lines are skipped; a line that is not JSON or
 * not a usage summary is reported (with its line number) and left out. Never throws.
 */
export function parseUsageLines(text: string, file: string): UsageParseResult {
  const records: UsageRecord[] = [];
  const problems: Finding[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
    const place = { line: index + 1, column: 1 };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(makeFinding(file, place, "warning", "usage-line-not-json", `Line ${index + 1} of ${file} is not JSON: ${(err as Error).message}.`, GUIDANCE, [`Write one JSON object per line, e.g. ${EXAMPLE_LINE}`]));
      return;
    }
    const parsed = UsageRecordSchema.safeParse(value);
    if (parsed.success) {
      // Calls of a tool named `__proto__` count like any other's.
      parsed.data.calls = withProtoEntry(parsed.data.calls, (value as { calls?: unknown }).calls, isCount);
      records.push(parsed.data);
      return;
    }
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `\`${issue.path.join(".")}\`: ` : "";
    problems.push(makeFinding(file, place, "warning", "usage-line-invalid", `Line ${index + 1} of ${file} is not a usage summary: ${where}${issue?.message ?? "invalid"}.`, GUIDANCE, [`Each line needs \`ts\` (ISO 8601 time), \`apprentice_type\`, \`session\`, \`provided\` (tool names) and \`calls\` (tool → count), e.g. ${EXAMPLE_LINE}`]));
  });
  return { records, problems };
}
