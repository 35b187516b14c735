/**
 * Escaping for text that goes into GitHub markdown: anything a user or a manifest
 * wrote is treated as text, never as markup, mentions or hidden markers.
 */

/** Escapes text for a table cell or inline use: pipes, backticks, HTML, mentions, newlines. */
export function mdText(text: string, max = 200): string {
  let s = text.length > max ? text.slice(0, max - 1) + "…" : text;
  s = s
    .replace(/\r?\n|\r/g, " ")
    .replace(/[\\`*_[\]<>|~#]/g, (ch) => `&#${ch.charCodeAt(0)};`)
    .replace(/@(?=[A-Za-z0-9])/g, "@\u200b");
  return s;
}

/** Inline code that cannot be broken out of (no backticks inside), mentions disarmed. */
export function mdCode(text: string, max = 130): string {
  const s = text.length > max ? text.slice(0, max - 1) + "…" : text;
  const safe = s.replace(/[\r\n]+/g, " ").replace(/`/g, "ˋ").replace(/\|/g, "¦");
  return `\`${safe}\``;
}

/** A markdown table; cells must already be escaped. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function details(summary: string, body: string, open = false): string {
  return `<details${open ? " open" : ""}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}
