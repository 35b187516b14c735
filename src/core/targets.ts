import type { TargetId } from "./config-schema.js";

/**
 * The hard rules of the clients apprentices run in (`targets:` in the config). One
 * declarative table: the check (`target-check.ts`), the exports and docs/targets.md
 * all read it. Each figure carries where it comes from and when it was seen, because
 * clients move these numbers; change the figure here and everything follows.
 */

/** A cap on how many tools one request (or one agent) may carry. */
export interface ToolCountRule {
  /** Tools beyond this number are dropped or the request is refused. */
  max: number;
  /** What happens past it, in the client's terms (for messages). */
  consequence: string;
}

/** A length rule on the name the client builds from server and tool names. */
export interface NameLengthRule {
  /** Longest accepted length. */
  max: number;
  /** `tool`: the tool's own name; `server+tool`: server name length plus tool name length. */
  measure: "tool" | "server+tool";
  consequence: string;
}

/** A character rule on tool names. */
export interface NameShapeRule {
  pattern: RegExp;
  /** The rule in words, for messages. */
  describe: string;
}

/** A soft threshold past which the client changes how it presents tools (notice only). */
export interface ThresholdRule {
  /** The behaviour starts at this many tools (inclusive). */
  from: number;
  behaviour: string;
}

/** Tool definitions past a share of the context window change how the client loads them. */
export interface ContextShareRule {
  contextTokens: number;
  share: number;
  behaviour: string;
}

/** How the client's permission rules can name tools (Claude Code). */
export interface PermissionRule {
  /** Exact names (`mcp__<server>__<tool>`) are accepted. */
  exact: true;
  /** A bare `mcp__<server>` (every tool of the server) is accepted. */
  bareServer: true;
  /** Partial wildcards (`mcp__github__get_*`) in allow rules are refused. */
  partialWildcardsInAllow: false;
}

export interface TargetRules {
  id: TargetId;
  /** The client's name as people say it. */
  name: string;
  maxTools?: ToolCountRule;
  grouping?: ThresholdRule;
  nameLength?: NameLengthRule;
  nameShape?: NameShapeRule;
  contextShare?: ContextShareRule;
  permissions?: PermissionRule;
  /** The export format `provision --format` prints for it, when there is one. */
  exportFormat?: "claude-code" | "vscode" | "gemini" | "openai";
}

export const TARGETS: Readonly<Record<TargetId, TargetRules>> = {
  cursor: {
    id: "cursor",
    name: "Cursor",
    // docs.cursor.com/context/model-context-protocol#tool-quantity (read 2025-04): "Cursor
    // will only send the first 40 tools to the Agent". Raised to 80 in 2025: Cursor warns past
    // 80 tools, "previously 40" (github.com/Snowflake-Labs/mcp/issues/77, 2025-09-02). The
    // current 80 is modelled; older Cursor versions still stop at 40.
    maxTools: { max: 80, consequence: "Cursor sends only the first 80 tools to the model (40 in versions before mid-2025); the rest are silently left out" },
    // "Combined server and tool name length (N) exceeds 60 characters" and the tool is
    // filtered out (github.com/idosal/git-mcp/issues/31, 2025-04-06; awslabs/mcp#1283,
    // 2025-09-15). Two reports show a combined length of exactly 60 already dropped
    // (aashari/mcp-server-atlassian-confluence#16, 2025-04-29; ComposioHQ/composio#2788,
    // 2026-02-27): some versions seem to count a separator too. The issue this project
    // follows states the rule as "≤ 60 characters", so 60 is the modelled maximum; a team
    // that sees 60-character names dropped can lower `max` here.
    nameLength: { max: 60, measure: "server+tool", consequence: "Cursor filters out a tool whose server name and tool name together exceed 60 characters (\"exceeds 60 characters\")" },
  },
  vscode: {
    id: "vscode",
    name: "VS Code / GitHub Copilot",
    // "You may not include more than 128 tools in your request" (microsoft/vscode#248021,
    // 2025-05-02; microsoft/vscode-copilot-release#13065, 2025-07-24).
    maxTools: { max: 128, consequence: "Copilot refuses the request: \"You may not include more than 128 tools in your request\"" },
    // virtualToolsConstants.ts: START_GROUPING_AFTER_TOOL_COUNT = HARD_TOOL_LIMIT / 2 (64),
    // grouping when `tools.length >= 64` (microsoft/vscode-copilot-chat, virtual tools since
    // 2025-07-18, PR #310; microsoft/vscode#322784, 2026-06-24).
    grouping: { from: 64, behaviour: "Copilot groups tools into virtual tools that the model must expand before it can call them" },
    exportFormat: "vscode",
  },
  openai: {
    id: "openai",
    name: "OpenAI API",
    // API reference, Chat Completions `tools`: "A max of 128 functions are supported"
    // (platform.openai.com/docs/api-reference, read 2025); function `name`: "a-z, A-Z, 0-9,
    // or contain underscores and dashes, with a maximum length of 64".
    maxTools: { max: 128, consequence: "the API rejects a request with more than 128 functions" },
    nameLength: { max: 64, measure: "tool", consequence: "the API rejects a function name longer than 64 characters" },
    nameShape: { pattern: /^[A-Za-z0-9_-]+$/, describe: "letters, digits, `_` and `-` only" },
    exportFormat: "openai",
  },
  windsurf: {
    id: "windsurf",
    name: "Windsurf",
    // docs.windsurf.com/windsurf/cascade/mcp (read 2025): "Cascade has a limit of 100 total
    // tools that it has access to at any given time".
    maxTools: { max: 100, consequence: "Cascade has access to at most 100 tools at any given time" },
  },
  gemini: {
    id: "gemini",
    name: "Gemini",
    // Gemini / Vertex AI `Tool.functionDeclarations`: "Maximum 512 function declarations can be
    // provided" (cloud.google.com aiplatform v1 reference, read 2025; "At most 512 function
    // declarations can be specified" is the API's error). `FunctionDeclaration.name`: "Must
    // start with a letter or an underscore. Must be a-z, A-Z, 0-9, or contain underscores,
    // dots, colons and dashes, with a maximum length of 64" (same reference).
    maxTools: { max: 512, consequence: "the API rejects a request with more than 512 function declarations" },
    nameLength: { max: 64, measure: "tool", consequence: "the API rejects a function name longer than 64 characters" },
    nameShape: { pattern: /^[A-Za-z_][A-Za-z0-9_.:-]*$/, describe: "a letter or `_` first, then letters, digits, `_`, `.`, `:` and `-`" },
    exportFormat: "gemini",
  },
  "claude-code": {
    id: "claude-code",
    name: "Claude Code",
    // No cap on the tool count. Tool search (MCP tools loaded on demand) switches on when
    // tool descriptions pass 10% of the context window (Claude Code 2.1.7, 2026-01-15,
    // "MCP Tool Search"). Modelled with a 200k-token window: 20,000 tokens.
    contextShare: { contextTokens: 200_000, share: 0.1, behaviour: "Claude Code stops loading tool definitions up front and finds them with tool search when the model asks" },
    // code.claude.com/docs/en/permissions: rules name a tool exactly (`mcp__<server>__<tool>`)
    // or a whole server (`mcp__<server>`). Partial wildcards in allow rules are refused:
    // "Wildcard tool name mcp__[server]__get* is not supported in allow rules" (Claude Code
    // 2.1.167, anthropics/claude-code#65797, 2026-06-06); `mcp__<server>__*` itself has
    // regressed and been fixed more than once (#3107, #73052), so only exact names and bare
    // servers are exported.
    permissions: { exact: true, bareServer: true, partialWildcardsInAllow: false },
    exportFormat: "claude-code",
  },
};

/** The rules of one target. */
export function targetRules(id: TargetId): TargetRules {
  return TARGETS[id];
}

/** The token count past which Claude Code's tool search switches on (20,000 with the table's figures). */
export function contextShareLimit(rule: ContextShareRule): number {
  return Math.floor(rule.contextTokens * rule.share);
}
