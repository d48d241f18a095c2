import { describe, expect, it } from "vitest";
import { assignSplits, parseSplit } from "../../src/dataset/parse-split.js";
import { parseTimeArg } from "../../src/dataset/parse-time-arg.js";
import { InputError } from "../../src/errors.js";

const now = new Date("2026-02-05T12:00:00.000Z");

describe("parseTimeArg", () => {
  it.each([
    ["90d", "2025-11-07T12:00:00.000Z"],
    ["12h", "2026-02-05T00:00:00.000Z"],
    ["30m", "2026-02-05T11:30:00.000Z"],
    ["2w", "2026-01-22T12:00:00.000Z"],
    ["1.5h", "2026-02-05T10:30:00.000Z"],
    ["2026-02-01", "2026-02-01T00:00:00.000Z"],
    ["2026-02-01T09:30:00+01:00", "2026-02-01T08:30:00.000Z"],
    ["2026-02-01T09:30Z", "2026-02-01T09:30:00.000Z"],
  ])("reads --since %s", (value, iso) => {
    expect(parseTimeArg(value, "since", now).toISOString()).toBe(iso);
  });

  it("reads a bare --until date as the end of that day", () => {
    expect(parseTimeArg("2026-02-01", "until", now).toISOString()).toBe("2026-02-01T23:59:59.999Z");
  });

  it.each(["", "90", "d", "-3d", "3y", "2026-13-01", "2026-02-30", "2026-02-01T09:30", "next week"])("refuses %j naming the option", (value) => {
    expect(() => parseTimeArg(value, "until", now)).toThrow(InputError);
    expect(() => parseTimeArg(value, "until", now)).toThrow(/--until/);
  });
});

describe("parseSplit and assignSplits", () => {
  it("reads three shares adding up to 1", () => {
    expect(parseSplit("0.8, 0.1, 0.1")).toEqual([0.8, 0.1, 0.1]);
    expect(parseSplit("1,0,0")).toEqual([1, 0, 0]);
    for (const bad of ["0.8,0.2", "a,b,c", "0.5,0.5,0.5", "-0.1,0.6,0.5", "0.8,,0.2"]) expect(() => parseSplit(bad)).toThrow(InputError);
  });

  it("gives the most recent PRs to test and every PR one part, rounding to whole PRs", () => {
    const prs = [5, 1, 4, 2, 3].map((d) => ({ repo: "o/r", pr: d, lastMs: d * 1000 }));
    expect(assignSplits(prs, [0.6, 0.2, 0.2])).toEqual(["test", "train", "validation", "train", "train"]);
    expect(assignSplits(prs, [1, 0, 0])).toEqual(["train", "train", "train", "train", "train"]);
    expect(assignSplits(prs.slice(0, 1), [0.8, 0.1, 0.1])).toEqual(["train"]);
    expect(assignSplits([], [0.8, 0.1, 0.1])).toEqual([]);
    // Equal times: repo, then pr number, decides.
    const tied = [{ repo: "o/r", pr: 10, lastMs: 0 }, { repo: "o/r", pr: 9, lastMs: 0 }];
    expect(assignSplits(tied, [0.5, 0, 0.5])).toEqual(["test", "train"]);
  });
});
