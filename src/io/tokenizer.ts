import type { TokenCounter } from "../core/catalog.js";

/**
 * Special tokens (`<|endoftext|>`, `<|im_start|>`…) are only special when a client puts
 * them there; written in a tool's description they reach the model as text, and are
 * counted as text. (The tokenizer's default is to throw on them: one description that
 * mentions `<|endoftext|>` stopped every plan.)
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * A real BPE tokenizer (cl100k_base, via gpt-tokenizer), loaded only when a catalog
 * gives tool definitions to count. No public tokenizer matches every client's model
 * exactly; cl100k is close for English and JSON and loads twice as fast as o200k.
 */
export async function loadTokenCounter(): Promise<TokenCounter> {
  const { countTokens } = await import("gpt-tokenizer/encoding/cl100k_base");
  return (text) => countTokens(text, AS_TEXT);
}
