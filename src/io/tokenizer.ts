import type { TokenCounter } from "../core/catalog.js";

/**
 * Special tokens (`<|endoftext|>`, `<|im_start|>`…) are only special when a client puts
 * them there; written in a tool's description they reach the model as text, and are
 * counted as text. (The tokenizer's default is to throw on them: one description that
 * mentions `<|endoftext|>` stopped every plan.)
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * A run of characters without a break (or of blanks) this long or longer. Byte-pair
 * encoding takes time quadratic in the length of such a run (16,000 letters: half a
 * second; a megabyte: hours), so a long run is counted in slices of `SLICE` characters,
 * which moves the estimate by about a token a slice. Real descriptions and schemas have
 * no such runs, and are counted whole.
 */
const LONG_RUN = /\S{257,}|\s{257,}/g;
const SLICE = 256;

/**
 * A real BPE tokenizer (cl100k_base, via gpt-tokenizer), loaded only when a catalog
 * gives tool definitions to count. No public tokenizer matches every client's model
 * exactly; cl100k is close for English and JSON and loads twice as fast as o200k.
 */
export async function loadTokenCounter(): Promise<TokenCounter> {
  const { countTokens } = await import("gpt-tokenizer/encoding/cl100k_base");
  const count = (text: string) => countTokens(text, AS_TEXT);
  return (text) => {
    if (text.length <= SLICE) return count(text);
    let total = 0;
    let from = 0;
    for (const run of text.matchAll(LONG_RUN)) {
      total += count(text.slice(from, run.index));
      for (let at = 0; at < run[0].length; at += SLICE) total += count(run[0].slice(at, at + SLICE));
      from = run.index + run[0].length;
    }
    return from === 0 ? count(text) : total + count(text.slice(from));
  };
}
