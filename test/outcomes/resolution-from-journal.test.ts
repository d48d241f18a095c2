import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolutionFromJournal } from "../../src/outcomes/resolution-from-journal.js";
import { Journal } from "../../src/store/journal.js";
import { makePoint, type Point } from "../../src/store/point.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "resolution-from-journal-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes points as if on `day` (the journal names its files by the day of writing). */
async function writtenOn(day: string, points: Point[]): Promise<void> {
  const journal = new Journal({ dir, clock: () => new Date(`${day}T23:00:00Z`) });
  await journal.write(points);
  await journal.close();
}

const tags = { repo: "dappcore/core", pr: "291", author: "jules[bot]" };

describe("resolutionFromJournal", () => {
  it("takes the earliest creation estimate across day files: an earlier outcome is exact, an observation within an hour", async () => {
    // Created 2026-02-01T10:30Z.
    await writtenOn("2026-02-01", [makePoint("outcome", new Date("2026-02-01T20:00:00Z"), { repo: "dappcore/core", pr: "291" }, { result: "closed", resolution_hours: 9.5 })]);
    await writtenOn("2026-02-03", [makePoint("pr_observation", new Date("2026-02-03T12:00:00Z"), tags, { pr_age_hours: 49 })]);
    // Other PRs and repositories, and a PR number that only starts the same, do not count.
    await writtenOn("2026-02-04", [
      makePoint("pr_observation", new Date("2026-01-01T00:00:00Z"), { ...tags, pr: "2910" }, { pr_age_hours: 0 }),
      makePoint("pr_observation", new Date("2026-01-01T00:00:00Z"), { ...tags, repo: "other/repo" }, { pr_age_hours: 0 }),
    ]);
    expect(await resolutionFromJournal(dir, "dappcore/core", 291, new Date("2026-02-05T10:30:00Z"), 24)).toBe(96);
  });

  it("ignores values written before they were refused (1e308) and points after `at`; an unknown PR gives undefined", async () => {
    await writtenOn("2026-02-01", [
      makePoint("pr_observation", new Date("2026-02-01T12:00:00Z"), tags, { pr_age_hours: 2 }),
      makePoint("pr_observation", new Date("2026-02-09T12:00:00Z"), tags, { pr_age_hours: 500 }),
    ]);
    // A line the journal's guard now refuses, as an older version wrote it.
    await writeFile(
      join(dir, "2026-02-02.jsonl"),
      JSON.stringify({ measurement: "outcome", time: "2026-02-02T10:00:00.000Z", tags: { repo: "dappcore/core", pr: "291" }, fields: { result: "escalated", resolution_hours: 1e308 } }) + "\n",
    );
    expect(await resolutionFromJournal(dir, "dappcore/core", 291, new Date("2026-02-03T10:00:00Z"), 24)).toBe(48);
    expect(await resolutionFromJournal(dir, "dappcore/core", 292, new Date("2026-02-03T10:00:00Z"), 24)).toBeUndefined();
  });

  it("stops at the files written before the PR can have existed", async () => {
    // Impossible data (an observation long before the PR's creation) in an old file shows the
    // bound: created ~2026-02-01T10:00Z, so files of days before 2026-01-31 are not read.
    await writtenOn("2026-01-10", [makePoint("pr_observation", new Date("2026-01-10T00:00:00Z"), tags, { pr_age_hours: 0 })]);
    await writtenOn("2026-02-01", [makePoint("pr_observation", new Date("2026-02-01T12:00:00Z"), tags, { pr_age_hours: 2 })]);
    expect(await resolutionFromJournal(dir, "dappcore/core", 291, new Date("2026-02-02T10:00:00Z"), 24)).toBe(24);
  });
});
