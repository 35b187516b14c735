import { describe, expect, it } from "vitest";
import { openBaseSource, type BaseRoads } from "../../src/action/base-source.js";
import type { CheckPort } from "../../src/github/check-port.js";
import { isUnread, listedSource, type FileSource } from "../../src/io/file-source.js";

const SHA = "a".repeat(40);

function roads(over: Partial<BaseRoads> & { calls?: string[] } = {}): BaseRoads {
  const calls = over.calls ?? [];
  return {
    hasCommit: over.hasCommit ?? (async () => false),
    fetchCommit: over.fetchCommit ?? (async (_cwd, sha) => void calls.push(`fetch ${sha}`)),
    gitSource: over.gitSource ?? (async (_cwd, sha) => listedSource(sha, ["manifests/a.yaml"], async () => new TextEncoder().encode("git"))),
  };
}

function port(files: Record<string, string> | Error): CheckPort {
  const unused = async () => {
    throw new Error("not used here");
  };
  return {
    repo: { owner: "o", repo: "r" },
    listIssueComments: unused,
    createIssueComment: unused,
    updateIssueComment: unused,
    listPullFiles: unused,
    async listTreeFiles() {
      if (files instanceof Error) throw files;
      return { files: Object.keys(files), truncated: false };
    },
    async readFile(path) {
      if (files instanceof Error) throw files;
      const text = files[path];
      return text === undefined ? undefined : new TextEncoder().encode(text);
    },
  };
}

const text = async (source: FileSource, path: string) => {
  const bytes = (await source.read(path)) ?? new Uint8Array();
  return isUnread(bytes) ? bytes : new TextDecoder().decode(bytes);
};

describe("openBaseSource", () => {
  it("uses git without fetching when the commit is already here", async () => {
    const calls: string[] = [];
    const base = await openBaseSource("/w", SHA, undefined, roads({ hasCommit: async () => true, calls }));
    expect(base).toMatchObject({ via: "git" });
    expect(calls).toEqual([]);
  });

  it("fetches the one commit into a shallow clone, then reads it with git", async () => {
    const calls: string[] = [];
    const base = await openBaseSource("/w", SHA, port({}), roads({ calls }));
    expect(calls).toEqual([`fetch ${SHA}`]);
    expect("source" in base && (await text(base.source, "manifests/a.yaml"))).toBe("git");
  });

  it("reads the base through the API when git cannot fetch it", async () => {
    const failing = roads({ fetchCommit: async () => Promise.reject(Object.assign(new Error("Command failed"), { stderr: "fatal: could not read from remote repository\n" })) });
    const base = await openBaseSource("/w", SHA, port({ "manifests/a.yaml": "api" }), failing);
    expect(base).toMatchObject({ via: "api" });
    expect("source" in base && (await text(base.source, "manifests/a.yaml"))).toBe("api");
    expect("source" in base && (await base.source.read("manifests/missing.yaml"))).toBeUndefined();
  });

  it("says why when neither road leads to the base", async () => {
    const failing = roads({ fetchCommit: async () => Promise.reject(Object.assign(new Error("x"), { stderr: "fatal: not our ref\n" })) });
    expect(await openBaseSource("/w", SHA, port(new Error("Bad credentials")), failing)).toEqual({
      problem: "git could not fetch it (fatal: not our ref); the GitHub API could not list it (Bad credentials)",
    });
    expect(await openBaseSource("/w", SHA, undefined, failing)).toEqual({ problem: "git could not fetch it (fatal: not our ref), and there is no github-token to read it through the API" });
  });
});
