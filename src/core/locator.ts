import type { Position } from "./finding.js";

/** A path into a parsed document, as zod reports it: keys and list indexes. */
export type DocPath = readonly PropertyKey[];

/**
 * Maps a path in a parsed file to a place in its text. `key` asks for the key of a
 * mapping entry (the line a person reads as "the field"), `value` for its value.
 * When the path does not exist, the locator returns the nearest existing ancestor.
 */
export type Locator = (path: DocPath, part?: "key" | "value") => Position | undefined;

export const nowhere: Locator = () => undefined;
