import fc from "fast-check";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { workingTree } from "../../src/io/file-source.js";

describe("a working tree's absolute paths", () => {
  it("are path.join's, for plain relative paths (joined by concatenation) and every other kind", () => {
    const segment = fc.oneof(fc.constantFrom("", ".", "..", "...", ".hidden", "a..b", "m", "x.yaml"), fc.stringMatching(/^[a-z._-]{1,6}$/));
    const path = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean()).map(([parts, absolute]) => (absolute ? "/" : "") + parts.join("/"));
    fc.assert(
      fc.property(fc.constantFrom("/repo", "/repo/", "/work/../repo", "/"), path, (root, p) => {
        const tree = workingTree(root);
        expect(tree.absolutePath?.(p)).toBe(join(root, p));
      }),
      { numRuns: 500 },
    );
  });
});
