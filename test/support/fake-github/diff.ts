/** A unified diff (`git diff -U3` style hunks), as in the `patch` field of a pull request's files. */

interface Op {
  kind: " " | "-" | "+";
  text: string;
  /** Old/new lines before this one. */
  oldBefore: number;
  newBefore: number;
}

const linesOf = (text: string): string[] => {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
};

function diffOps(a: string[], b: string[]): Op[] {
  // Longest common subsequence; fine for the small files tests use.
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] = a[i] === b[j] ? (table[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(table[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const base = { oldBefore: i, newBefore: j };
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: " ", text: a[i] ?? "", ...base });
      i++;
      j++;
    } else if (i < n && (j >= m || (table[i + 1]?.[j] ?? 0) >= (table[i]?.[j + 1] ?? 0))) {
      // Deletions before additions, as git prints them.
      ops.push({ kind: "-", text: a[i] ?? "", ...base });
      i++;
    } else {
      ops.push({ kind: "+", text: b[j] ?? "", ...base });
      j++;
    }
  }
  return ops;
}

/** Git leaves out a count of 1: `@@ -3 +3,2 @@`. */
const range = (start: number, count: number): string => (count === 1 ? `${start}` : `${start},${count}`);

export function unifiedPatch(before: string, after: string, context = 3): { patch: string; additions: number; deletions: number } {
  const ops = diffOps(linesOf(before), linesOf(after));
  const changed = ops.flatMap((op, index) => (op.kind === " " ? [] : [index]));
  const hunks: Array<[number, number]> = [];
  for (const index of changed) {
    const last = hunks[hunks.length - 1];
    if (last && index - last[1] <= 2 * context + 1) last[1] = index;
    else hunks.push([index, index]);
  }
  const text = hunks.map(([first, lastChange]) => {
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length - 1, lastChange + context);
    const slice = ops.slice(start, end + 1);
    const head = slice[0] as Op;
    const oldCount = slice.filter((op) => op.kind !== "+").length;
    const newCount = slice.filter((op) => op.kind !== "-").length;
    const oldStart = oldCount === 0 ? head.oldBefore : head.oldBefore + 1;
    const newStart = newCount === 0 ? head.newBefore : head.newBefore + 1;
    return [`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`, ...slice.map((op) => op.kind + op.text)].join("\n");
  });
  return {
    patch: text.join("\n"),
    additions: ops.filter((op) => op.kind === "+").length,
    deletions: ops.filter((op) => op.kind === "-").length,
  };
}
