import { gunzipSync, gzipSync } from "node:zlib";

/** The dashboard's hidden state as it sits in an HTML comment: gzip, then base64. */
export function encodeState(json: string): string {
  return gzipSync(Buffer.from(json, "utf8"), { level: 9 }).toString("base64");
}

/** Undefined when the text is not a state this bot wrote (a rebuild is then due). */
export function decodeState(blob: string | undefined): string | undefined {
  if (!blob || !/^[A-Za-z0-9+/=]+$/.test(blob)) return undefined;
  try {
    return gunzipSync(Buffer.from(blob, "base64"), { maxOutputLength: 8 * 1024 * 1024 }).toString("utf8");
  } catch {
    return undefined;
  }
}
