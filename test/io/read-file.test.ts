import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gitRevisionSource } from "../../src/io/git-source.js";
import { loadMcpConfig } from "../../src/io/mcp-config.js";
import { scratchReader } from "../../src/io/parallel-check.js";
import { MAX_FILE_BYTES, readFileIfThere, type FileBytes } from "../../src/io/read-file.js";
import { readSealed, writeSealed } from "../../src/io/sealed-file.js";

// Files are read only when they are regular files within the limit; the others are
// described (Unread) without being read. Named pipes and /dev/zero, which would block or
// never end if this broke, are tried by a CLI in a process of its own
// (test/cli/unreadable-files.test.ts); here, what cannot hang.

const dir = mkdtempSync(join(tmpdir(), "apprentice-tools-read-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GIB = 1024 ** 3;

function sparse(name: string, bytes: number): string {
  const path = join(dir, name);
  writeFileSync(path, "");
  truncateSync(path, bytes);
  return path;
}

const big = sparse("big.yaml", 3 * GIB);
const folder = join(dir, "folder.yaml");
mkdirSync(folder);

/** The ways of reading a file of a working tree: whole, and into a scratch buffer with and without its stamp. */
const READERS: [string, (path: string) => FileBytes | undefined][] = [
  ["readFileIfThere", (path) => readFileIfThere(path)],
  ["scratchReader", scratchReader()],
  ["scratchReader, stamping", scratchReader(() => undefined)],
];

describe.each(READERS)("%s", (_name, read) => {
  it("gives the size of a file over the limit without reading it (a sparse 3 GiB file)", () => {
    expect(read(big)).toEqual({ unread: "too-large", size: 3 * GIB });
    expect(read(sparse("just-over.yaml", MAX_FILE_BYTES + 1))).toEqual({ unread: "too-large", size: MAX_FILE_BYTES + 1 });
  });

  it("reads a file of exactly the limit, and one past the scratch buffer, whole", () => {
    for (const size of [MAX_FILE_BYTES, 70_000]) {
      const path = join(dir, `f${size}.yaml`);
      const bytes = Buffer.alloc(size, 0x61);
      bytes[size - 1] = 0x0a;
      writeFileSync(path, bytes);
      expect(Buffer.from(read(path) as Uint8Array).equals(bytes)).toBe(true);
    }
  });

  it("does not read a folder", () => {
    expect(read(folder)).toEqual({ unread: "not-a-file", kind: "a folder" });
  });

  it.skipIf(process.platform === "win32")("does not read a socket (which cannot be opened)", async () => {
    const path = join(dir, `s-${_name.length}.yaml`);
    const server = createServer().listen(path);
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      expect(read(path)).toEqual({ unread: "not-a-file", kind: "a socket" });
    } finally {
      server.close();
    }
  });
});

describe("readFileIfThere", () => {
  it("takes a limit of its own", () => {
    const path = join(dir, "ten.jsonl");
    writeFileSync(path, "0123456789");
    expect(readFileIfThere(path, 9)).toEqual({ unread: "too-large", size: 10 });
    expect(Buffer.from(readFileIfThere(path, 10) as Uint8Array).toString()).toBe("0123456789");
    expect(readFileIfThere(join(dir, "missing.yaml"))).toBeUndefined();
  });
});

describe("a sealed cache file", () => {
  it("that is not a regular file, or too large, is a miss", () => {
    expect(readSealed(folder)).toBeUndefined();
    expect(readSealed(big)).toBeUndefined();
    const file = join(dir, "cache", "sealed.bin");
    writeSealed(file, (out) => out("kept"));
    expect(readSealed(file)?.content.toString()).toBe("kept");
  });
});

describe("an MCP client configuration", () => {
  it("over 1 MiB is not read, and the finding says how large it is", async () => {
    const result = await loadMcpConfig(sparse("mcp.json", 3 * GIB));
    expect(result.ok).toBe(false);
    const { finding } = result as { finding: { code: string; message: string; next_steps: string[] } };
    expect(finding.code).toBe("mcp-config-unreadable");
    expect(finding.message).toContain("mcp.json is 3,221,225,472 bytes (3072.0 MiB); files over 1 MiB (1,048,576 bytes) are not read");
    expect(finding.next_steps[0]).toContain("--mcp-config");
  });
});

describe("a git revision", () => {
  it("says a blob over the limit is too large from the listing's size, without reading it; a submodule is not a file", async () => {
    const repo = join(dir, "repo");
    mkdirSync(join(repo, "manifests"), { recursive: true });
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "protocol.file.allow=always", ...args], { cwd: repo, stdio: "pipe" });
    git("init", "-q");
    writeFileSync(join(repo, "manifests/a.yaml"), "apprentice_type: a\n");
    writeFileSync(join(repo, "manifests/big.yaml"), Buffer.alloc(MAX_FILE_BYTES + 1, 0x61));
    git("add", ".");
    // A submodule entry: a commit in the tree, as `git submodule add` leaves it.
    git("update-index", "--add", "--cacheinfo", `160000,${"1".repeat(40)},manifests/sub.yaml`);
    git("commit", "-q", "-m", "files");
    const source = await gitRevisionSource(repo, "HEAD");
    expect(await source.glob(["manifests/*.yaml"])).toEqual(["manifests/a.yaml", "manifests/big.yaml", "manifests/sub.yaml"]);
    expect(Buffer.from((await source.read("manifests/a.yaml")) as Uint8Array).toString()).toBe("apprentice_type: a\n");
    expect(await source.read("manifests/big.yaml")).toEqual({ unread: "too-large", size: MAX_FILE_BYTES + 1 });
    expect(Buffer.from((await source.read("manifests/big.yaml", MAX_FILE_BYTES + 1)) as Uint8Array).length).toBe(MAX_FILE_BYTES + 1);
    expect(await source.read("manifests/sub.yaml")).toEqual({ unread: "not-a-file", kind: "a submodule" });
    expect(await source.read("manifests/none.yaml")).toBeUndefined();
  });
});
