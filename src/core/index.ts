/** The pure core: values in, values out. */
export { ManifestSchema, APPRENTICE_TYPE_RE, type Manifest } from "./manifest-schema.js";
export { ConfigSchema, TARGET_IDS, defaultConfig, type Config, type GlobalLimits, type TargetId } from "./config-schema.js";
export { buildCatalog, type Catalog, type CatalogTool } from "./catalog.js";
export { matches, isPattern, isValidToolName, compilePattern } from "./patterns.js";
export { provision as provisionManifest, effectiveLimits, type ProvisionResult, type Exclusion, type ExclusionReason, type ToolSource } from "./provision.js";
export { buildPlan, diffPlans, planWithChanges, type Plan, type ApprenticePlan, type PlanDiff, type ApprenticeDiff } from "./plan.js";
export { checkRepository, planRepository, type CheckResult, type RepositoryInput } from "./check-repository.js";
export { type Finding, type Severity, summarize, failsAt } from "./finding.js";
export { rankByTask } from "./rank.js";
export { renderPlanText, renderFindingsText, writePlanText, writeFindingsText, capacityBar } from "./render-text.js";
export { renderPlanMarkdown, planMarkdownPieces, renderFindingsMarkdown } from "./render-markdown.js";
export { renderPlanJson, renderFindingsJson, writeFindingsJson, writePrettyJson } from "./render-json.js";
export { renderFindingsGithub, writeFindingsGithub } from "./render-github.js";
export { inChunks, type WritePiece } from "./pieces.js";
export { TARGETS, targetRules, type TargetRules } from "./targets.js";
export { targetFindings, TARGET_CODES } from "./target-check.js";
export { buildProfiles, claudeCodeExport, vscodeExport, geminiExport, openAiExport, renderExport, EXPORT_FORMATS, type ExportFormat, type ExportInput, type Profiles } from "./exports.js";
