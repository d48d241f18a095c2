/** Who wrote a pull request: a person, an ordinary bot, or a coding agent. */
export type AuthorKind = "human" | "bot" | "agent";

export interface Attribution {
  author_kind: AuthorKind;
  /** The agent's name for an agent; an unknown bot's login; null for a person. */
  agent: string | null;
}

/**
 * Logins of known coding agents (lower case, as webhooks and the REST API spell them) and the
 * agent each one is. Extend it with `agents:` in `.github/pr-telemetry.yml` or the
 * PR_TELEMETRY_AGENTS variable (`login=agent,login2=agent2`); an entry there wins over this map.
 * - jules: Google's Jules (google-labs-jules[bot]);
 * - copilot: GitHub Copilot's coding agent (its PRs are authored by `Copilot`, a Bot);
 * - devin: Cognition's Devin (devin-ai-integration[bot]);
 * - codex: OpenAI Codex (chatgpt-codex-connector[bot]);
 * - claude: Anthropic's Claude Code action (claude[bot]);
 * - cursor, sweep, openhands, amazon-q, gemini: the agents of those names.
 */
export const DEFAULT_AGENT_LOGINS: Readonly<Record<string, string>> = {
  "google-labs-jules[bot]": "jules",
  "jules[bot]": "jules",
  copilot: "copilot",
  "copilot[bot]": "copilot",
  "copilot-swe-agent[bot]": "copilot",
  "devin-ai-integration[bot]": "devin",
  "chatgpt-codex-connector[bot]": "codex",
  "codex[bot]": "codex",
  "claude[bot]": "claude",
  "anthropic-claude[bot]": "claude",
  "cursor[bot]": "cursor",
  "cursor-agent[bot]": "cursor",
  "sweep-ai[bot]": "sweep",
  "openhands-agent": "openhands",
  "openhands[bot]": "openhands",
  "amazon-q-developer[bot]": "amazon-q",
  "gemini-code-assist[bot]": "gemini",
};

/**
 * The attribution of a PR author's login: a known agent (the default map, then `extra`, whose
 * entries win; logins compared case-insensitively) is `agent` with the agent's name; any other
 * bot (a `[bot]` login: actorLogin adds the suffix to every GitHub App bot) is `bot` with its
 * login as the agent, so a new agent shows up under its own name before anyone maps it; anyone
 * else is `human` with agent null.
 */
export function attributeAuthor(login: string, extra?: Record<string, string>): Attribution {
  const key = login.toLowerCase();
  if (extra) {
    for (const [known, agent] of Object.entries(extra)) if (known.toLowerCase() === key) return { author_kind: "agent", agent };
  }
  const agent = DEFAULT_AGENT_LOGINS[key];
  if (agent !== undefined) return { author_kind: "agent", agent };
  if (key.endsWith("[bot]")) return { author_kind: "bot", agent: login };
  return { author_kind: "human", agent: null };
}
