import { run } from "./action-main.js";

/** The entry of bot/action.yml, bundled to dist/bot.js. */
await run();
