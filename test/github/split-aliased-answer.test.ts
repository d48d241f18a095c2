import { describe, expect, it } from "vitest";
import { describeGraphqlErrors, splitAliasedAnswer } from "../../src/github/split-aliased-answer.js";

const aliases = [
  { repoAlias: "r0", prAlias: "p0" },
  { repoAlias: "r0", prAlias: "p1" },
  { repoAlias: "r1", prAlias: "p2" },
  { repoAlias: "r1", prAlias: "p10" },
];
const [p0, p1, p2, p10] = aliases;

describe("splitAliasedAnswer", () => {
  it("gives each alias its data, or the errors whose path starts at it (a repository's error hits all its PRs)", () => {
    const notFound = { type: "NOT_FOUND", path: ["r0", "p1"], message: "Could not resolve to a PullRequest with the number of 999999." };
    const renamed = { type: "NOT_FOUND", path: ["r1"], message: "Could not resolve to a Repository with the name 'o/old'." };
    const { results, unattributed } = splitAliasedAnswer({ data: { r0: { p0: { id: "A" }, p1: null }, r1: null }, errors: [notFound, renamed] }, aliases);
    expect(unattributed).toEqual([]);
    expect([...results.values()]).toEqual([{ ok: true, value: { id: "A" } }, { ok: false, errors: [notFound] }, { ok: false, errors: [renamed] }, { ok: false, errors: [renamed] }]);
  });

  it("pins an error without a path on the alias whose variable it names ($p1 is not $p10), the others unanswered when there is no data", () => {
    const coercion = { message: "Variable $p10 of type Int! was provided invalid value" };
    const { results } = splitAliasedAnswer({ data: undefined, errors: [coercion] }, aliases);
    expect(results.get(p10!)).toEqual({ ok: false, errors: [coercion] });
    for (const a of [p0, p1, p2]) expect(results.get(a!)).toEqual({ ok: false, unanswered: true });
  });

  it("returns errors that name no alias (rate limit, node limit) as unattributed", () => {
    const limit = { type: "RATE_LIMITED", message: "API rate limit exceeded for installation ID 1." };
    const { results, unattributed } = splitAliasedAnswer({ data: null, errors: [limit] }, aliases);
    expect(unattributed).toEqual([limit]);
    expect(results.get(p0!)).toEqual({ ok: true, value: null });
  });

  it("describes errors in GitHub's words, once each", () => {
    const e = { type: "FORBIDDEN", message: "Resource not accessible by integration" };
    expect(describeGraphqlErrors([e, e, { message: "Variable $p0 of type Int! was provided invalid value" }])).toBe(
      "FORBIDDEN: Resource not accessible by integration; Variable $p0 of type Int! was provided invalid value",
    );
  });
});
