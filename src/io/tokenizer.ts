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
 * encoding takes time quadratic in the length of one pre-token (a run of letters, of
 * punctuation or of blanks: 16,000 letters take half a second, a megabyte hours), so a text
 * that may hold such a pre-token has its long runs counted in slices of `SLICE` characters,
 * which moves the estimate by about a token a slice. Real descriptions and schemas have no
 * such runs, and are counted whole.
 */
const LONG_RUN = /\S{257,}|\s{257,}/g;
const SLICE = 256;

/**
 * True when `text` may hold a pre-token of more than SLICE characters: a run of letters, of
 * punctuation (with the line breaks that may follow it) or of blanks of SLICE or more (any
 * character past ASCII counts in all three, since it may be a letter, a symbol or a blank).
 * One pass over the characters: a tool's JSON is a run of hundreds of characters without a
 * space, made of short pre-tokens, and a regular expression looking for long runs there
 * took twice as long as counting the tokens themselves.
 */
export function mayHoldLongPreToken(text: string): boolean {
  let letters = 0;
  let punctuation = 0;
  let blanks = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) {
      letters++;
      punctuation++;
      blanks++;
    } else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) {
      letters++;
      punctuation = 0;
      blanks = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      letters = 0;
      punctuation = 0;
      blanks = 0;
    } else if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
      blanks++;
      letters = 0;
      if (c !== 0x0a && c !== 0x0d) punctuation = 0;
      else punctuation++;
    } else {
      punctuation++;
      letters = 0;
      blanks = 0;
    }
    if (letters >= SLICE || punctuation >= SLICE || blanks >= SLICE) return true;
  }
  return false;
}

/**
 * A real BPE tokenizer (cl100k_base, via gpt-tokenizer), loaded only when a catalog
 * gives tool definitions to count. No public tokenizer matches every client's model
 * exactly; cl100k is close for English and JSON and loads twice as fast as o200k.
 */
export async function loadTokenCounter(): Promise<TokenCounter> {
  const { countTokens } = await import("gpt-tokenizer/encoding/cl100k_base");
  const count = (text: string) => countTokens(text, AS_TEXT);
  return (text) => {
    if (text.length <= SLICE || !mayHoldLongPreToken(text)) return count(text);
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
