import { describe, expect, it } from "vitest";
import { didYouMean } from "../../src/core/did-you-mean.js";

const KEYS = ["apprentice_type", "description", "required_tools", "optional_tools", "forbidden_tools", "tool_notes", "limits"];
const TOOLS = ["read_file", "write_file", "grep", "glob", "bash", "edit_file"];

describe("didYouMean", () => {
  it.each<[input: string, candidates: string[], guess: string | undefined]>([
    ["requried_tools", KEYS, "required_tools"],
    ["optinal_tools", KEYS, "optional_tools"],
    ["Description", KEYS, "description"],
    ["limit", KEYS, "limits"],
    ["grpe", TOOLS, "grep"],
    ["globb", TOOLS, "glob"],
    ["read_fiel", TOOLS, "read_file"],
    ["colour", KEYS, undefined],
    ["web_search", TOOLS, undefined],
    ["grep", TOOLS, undefined],
    ["xyz", [], undefined],
  ])("%s → %s", (input, candidates, guess) => {
    expect(didYouMean(input, candidates)).toBe(guess);
  });
});
