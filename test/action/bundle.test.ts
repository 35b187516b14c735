import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { build, type Metafile } from "esbuild";
// @ts-expect-error: a plain ES module script without types.
import { bundleOptions } from "../../scripts/bundle.mjs";

const bundleOptionsOf = bundleOptions as (entry: string, outfile: string) => Parameters<typeof build>[0];

/** The bot's dependency tree, which the action's bundle must not carry. */
const BOT_ONLY = /node_modules\/(probot|@probot\/|@octokit\/webhooks\/|@octokit\/app\/|@octokit\/oauth-app\/|express\/|pino\/|ioredis\/)/;

describe("the action's bundle", () => {
  it("is built from src/action/index.ts without probot or the bot's dependencies", async () => {
    const result = await build({ ...bundleOptionsOf("src/action/index.ts", "dist/index.js"), write: false, metafile: true });
    const inputs = Object.keys((result.metafile as Metafile).inputs);
    expect(inputs).toContain("src/action/index.ts");
    expect(inputs.filter((path) => BOT_ONLY.test(path))).toEqual([]);
    expect(inputs.filter((path) => path.startsWith("src/app/"))).toEqual([]);
  }, 60_000);

  it("as committed in dist/ names no probot module either", () => {
    if (!existsSync("dist/index.js")) return; // a clean clone before `npm run bundle`: the build above covers it
    // Minified, so module paths are gone; but probot's own name is everywhere in its code.
    expect(readFileSync("dist/index.js", "utf8")).not.toMatch(/probot/i);
    expect(JSON.parse(readFileSync("dist/package.json", "utf8"))).toEqual({ type: "module" });
  });
});
