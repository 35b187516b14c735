import picomatch from "picomatch";

/**
 * Owners of a path from a CODEOWNERS file (GitHub's rules: gitignore-style patterns,
 * the last matching line wins, a line with no owners un-owns the path).
 */
export function ownersOf(codeowners: string, path: string): string[] {
  let owners: string[] = [];
  for (const raw of codeowners.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) continue;
    const [pattern, ...rest] = line.split(/\s+/);
    if (!pattern) continue;
    if (matchesCodeownersPattern(pattern, path)) owners = rest.filter((o) => /^@[\w.-]+(\/[\w.-]+)?$|^[^@\s]+@[^@\s]+$/.test(o));
  }
  return owners;
}

function matchesCodeownersPattern(pattern: string, path: string): boolean {
  let p = pattern;
  const anchored = p.startsWith("/") || p.slice(0, -1).includes("/");
  p = p.replace(/^\//, "");
  if (p.endsWith("/")) p += "**";
  // A pattern also owns what is inside the directories it names, except `dir/*`, which
  // GitHub documents as owning `dir`'s own files and not those nested deeper.
  const inside = p.endsWith("/*") ? [] : [`${p}/**`];
  const globs = anchored ? [p, ...inside] : [`**/${p}`, ...inside.map((g) => `**/${g}`)];
  return picomatch(globs, { dot: true })(path);
}
