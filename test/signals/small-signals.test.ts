import { describe, expect, it } from "vitest";
import { actorLogin } from "../../src/signals/author-login.js";
import { hoursSince } from "../../src/signals/hours-since.js";
import { lastPushAt } from "../../src/signals/last-push-at.js";
import { mergeableSignal, isMergeableUnknown } from "../../src/signals/mergeable.js";
import { reviewsSummary } from "../../src/signals/reviews-summary.js";
import { threadsSummary } from "../../src/signals/threads-summary.js";

describe("actorLogin", () => {
  it.each([
    [{ __typename: "Bot", login: "jules" }, "jules[bot]"],
    [{ __typename: "Bot", login: "renovate[bot]" }, "renovate[bot]"], // never doubled
    [{ __typename: "User", login: "octo-cat" }, "octo-cat"],
    [{ __typename: "User", login: "botty" }, "botty"], // a user whose name ends in bot is no bot
    [{ __typename: "Mannequin", login: "imported-user" }, "imported-user"],
    [{ __typename: "Organization", login: "dappcore" }, "dappcore"],
    [null, "ghost"],
  ])("%o -> %s", (actor, login) => {
    expect(actorLogin(actor)).toBe(login);
  });
});

describe("hoursSince", () => {
  const now = new Date("2026-02-05T09:00:00.000Z");
  it.each([
    ["2026-02-05T09:00:00Z", 0],
    ["2026-02-05T08:00:00.001Z", 0],
    ["2026-02-05T08:00:00Z", 1],
    ["2026-02-04T09:00:01Z", 23],
    ["2026-02-05T10:00:00Z", 0], // in the future (clock skew)
  ])("%s -> %i", (iso, hours) => {
    expect(hoursSince(iso, now)).toBe(hours);
  });
});

describe("lastPushAt", () => {
  const commits = (committedDate: string) => ({
    totalCount: 1,
    nodes: [{ commit: { oid: "a", committedDate, statusCheckRollup: null } }],
  });
  it("is the newer of the head commit's date and the newest force push", () => {
    const force = { nodes: [{ __typename: "HeadRefForcePushedEvent", createdAt: "2026-02-05T07:00:00Z" }] };
    expect(lastPushAt({ createdAt: "x", commits: commits("2026-02-05T06:00:00Z"), timelineItems: force })).toBe("2026-02-05T07:00:00Z");
    expect(lastPushAt({ createdAt: "x", commits: commits("2026-02-05T08:00:00Z"), timelineItems: force })).toBe("2026-02-05T08:00:00Z");
  });
  it("falls back to the PR's creation when it has no commit", () => {
    expect(lastPushAt({ createdAt: "2026-02-01T00:00:00Z", commits: { totalCount: 0, nodes: [] }, timelineItems: { nodes: [] } })).toBe(
      "2026-02-01T00:00:00Z",
    );
  });
});

describe("mergeable", () => {
  it("MERGEABLE -> true, CONFLICTING -> false, UNKNOWN -> left out", () => {
    expect(mergeableSignal({ mergeable: "MERGEABLE" })).toBe(true);
    expect(mergeableSignal({ mergeable: "CONFLICTING" })).toBe(false);
    expect(mergeableSignal({ mergeable: "UNKNOWN" })).toBeUndefined();
  });
  it("only an open PR's UNKNOWN is worth fetching again", () => {
    expect(isMergeableUnknown({ mergeable: "UNKNOWN", state: "OPEN" })).toBe(true);
    expect(isMergeableUnknown({ mergeable: "UNKNOWN", state: "CLOSED" })).toBe(false);
    expect(isMergeableUnknown({ mergeable: "MERGEABLE", state: "OPEN" })).toBe(false);
  });
});

describe("reviewsSummary / threadsSummary", () => {
  it("counts standing opinions; DISMISSED, COMMENTED and null nodes count for neither", () => {
    const page = { hasNextPage: false, endCursor: null };
    expect(
      reviewsSummary({
        latestOpinionatedReviews: {
          pageInfo: page,
          nodes: [{ state: "APPROVED" }, { state: "DISMISSED" }, { state: "COMMENTED" }, null, { state: "CHANGES_REQUESTED" }],
        },
        reviewRequests: { totalCount: 3 },
      }),
    ).toStrictEqual({ approved: 1, changesRequested: 1, requested: 3 });
    expect(reviewsSummary({ latestOpinionatedReviews: null, reviewRequests: null })).toStrictEqual({
      approved: 0,
      changesRequested: 0,
      requested: 0,
    });
  });
  it("an outdated unresolved thread is unresolved", () => {
    expect(
      threadsSummary({
        reviewThreads: {
          totalCount: 3,
          pageInfo: { hasNextPage: false, endCursor: null },
          nodes: [
            { isResolved: false, isOutdated: true },
            { isResolved: true, isOutdated: true },
            { isResolved: false, isOutdated: false },
          ],
        },
      }),
    ).toStrictEqual({ total: 3, unresolved: 2 });
  });
});
