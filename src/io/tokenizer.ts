import type { TokenCounter } from "../core/catalog.js";

/**
 * A real BPE tokenizer (cl100k_base, via gpt-tokenizer), loaded only when a catalog
 * gives tool definitions to count. No public tokenizer matches every client's model
 * exactly; cl100k is close for English and JSON and loads twice as fast as o200k.
 */
export async function loadTokenCounter(): Promise<TokenCounter> {
  const { countTokens } = await import("gpt-tokenizer/encoding/cl100k_base");
  return (text) => countTokens(text);
}
