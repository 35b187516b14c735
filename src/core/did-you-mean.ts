import { distance } from "fastest-levenshtein";

/**
 * The closest candidate to `input`, if it is close enough to be a plausible typo:
 * within a third of the input's length (at least 1, at most 4 edits).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const budget = Math.min(4, Math.max(1, Math.floor(input.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = input.toLowerCase();
  for (const candidate of candidates) {
    if (candidate === input) continue;
    if (Math.abs(candidate.length - input.length) > budget) continue;
    // Case-only differences are the most likely typo of all.
    const d = candidate.toLowerCase() === lower ? 0.5 : isTransposition(input, candidate) ? 1 : distance(input, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= budget ? best : undefined;
}

/** Two neighbouring characters swapped (`grpe` for `grep`): one slip of the fingers, two Levenshtein edits. */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i < a.length - 1 && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
}

/** A ready-made "Did you mean `x`?" phrase, or an empty string. */
export function didYouMeanPhrase(input: string, candidates: Iterable<string>): string {
  const guess = didYouMean(input, candidates);
  return guess ? ` Did you mean \`${guess}\`?` : "";
}
