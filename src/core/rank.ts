import MiniSearch from "minisearch";
import type { Candidate } from "./provision.js";
import { ownEntry, type Manifest } from "./manifest-schema.js";

/** Splits `github_get_issue`, `readFile` and `docs.search` into words a task text uses. */
export function toolWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Ranks optional candidates by BM25 relevance of the task text to each tool's name,
 * manifest note and catalog description (DESIGN §4 step 2). Candidates the task does
 * not mention keep their manifest order after the relevant ones; ties keep manifest order.
 */
export function rankByTask(task: string): (candidates: readonly Candidate[], manifest: Manifest) => Candidate[] {
  return (candidates, manifest) => {
    if (!task.trim() || candidates.length < 2) return [...candidates];
    const index = new MiniSearch<{ id: number; name: string; note: string; description: string }>({
      fields: ["name", "note", "description"],
      tokenize: toolWords,
      processTerm: (term) => stem(term.toLowerCase()),
      searchOptions: { boost: { name: 2, note: 1.5, description: 1 }, prefix: false, fuzzy: false, combineWith: "OR" },
    });
    index.addAll(
      candidates.map((c, id) => ({
        id,
        name: c.tool,
        note: ownEntry(manifest.tool_notes, c.tool) ?? ownEntry(manifest.tool_notes, c.entry) ?? "",
        description: `${c.catalogTool?.title ?? ""} ${c.catalogTool?.description ?? ""}`,
      })),
    );
    const score = new Map<number, number>();
    for (const hit of index.search(task)) score.set(hit.id as number, hit.score);
    return candidates
      .map((c, i) => ({ c, i, s: score.get(i) ?? 0 }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map((x) => x.c);
  };
}

/** A light suffix stemmer so that "documenting", "documents" and "documentation" meet. */
export function stem(word: string): string {
  for (const suffix of ["ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "ed", "s"]) {
    if (word.length > suffix.length + 3 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}
