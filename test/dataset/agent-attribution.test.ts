import { describe, expect, it } from "vitest";
import { attributeAuthor, DEFAULT_AGENT_LOGINS } from "../../src/dataset/agent-attribution.js";

describe("attributeAuthor", () => {
  it.each([
    ["google-labs-jules[bot]", "agent", "jules"],
    ["Copilot", "agent", "copilot"],
    ["devin-ai-integration[bot]", "agent", "devin"],
    ["chatgpt-codex-connector[bot]", "agent", "codex"],
    ["claude[bot]", "agent", "claude"],
    ["dependabot[bot]", "bot", "dependabot[bot]"],
    ["some-new-agent[bot]", "bot", "some-new-agent[bot]"],
    ["octocat", "human", null],
    ["ghost", "human", null],
  ])("%s is %s (%s)", (login, kind, agent) => {
    expect(attributeAuthor(login)).toEqual({ author_kind: kind, agent });
  });

  it("takes extra logins, which win over the default map, case-insensitively", () => {
    const extra = { "Some-New-Agent[bot]": "newagent", "claude[bot]": "claude-code", "my-person-bot": "mine" };
    expect(attributeAuthor("some-new-agent[bot]", extra)).toEqual({ author_kind: "agent", agent: "newagent" });
    expect(attributeAuthor("claude[bot]", extra)).toEqual({ author_kind: "agent", agent: "claude-code" });
    expect(attributeAuthor("my-person-bot", extra)).toEqual({ author_kind: "agent", agent: "mine" });
    expect(attributeAuthor("octocat", extra)).toEqual({ author_kind: "human", agent: null });
  });

  it("keys the default map in lower case (logins are compared lower-cased)", () => {
    for (const login of Object.keys(DEFAULT_AGENT_LOGINS)) expect(login).toBe(login.toLowerCase());
  });
});
