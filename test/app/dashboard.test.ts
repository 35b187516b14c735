import { afterEach, describe, expect, it } from "vitest";
import { khipuMissing, startBot, type Bot } from "./dashboard-harness.js";

let bot: Bot | undefined;
afterEach(async () => {
  await bot?.close_();
  bot = undefined;
});

describe("explore", () => {
  it("threshold", async () => {
    bot = await startBot();
    for (const who of ["ana", "ben"]) await bot.report(who, khipuMissing("ast_parse"));
    const mark = bot.gh.requests.length;
    await bot.report("cho", khipuMissing("ast_parse"));
    console.log(bot.since(mark).join("\n"));
    console.log(bot.dashboard()?.body);
    console.log(bot.gh.state.branches(), bot.gh.unhandled);
  });
});
