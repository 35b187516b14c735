/**
 * apprentice-tools as a library: the same engine as the CLI and the action, for the
 * programs that spawn apprentices.
 *
 * @example
 * ```ts
 * import { loadRepository, provision } from "apprentice-tools";
 * const repo = await loadRepository("/path/to/repo");
 * const plan = provision(repo, "python_patterns", { task: "document the public API" });
 * spawnAgent({ tools: plan.tools });
 * ```
 */
export { loadRepository, provision, UnknownApprenticeError, type Repository } from "./library.js";
export type { Overrides } from "./io/repository.js";
export type { FileSource } from "./io/file-source.js";
export * from "./core/index.js";
