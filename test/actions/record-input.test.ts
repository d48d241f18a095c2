import { describe, expect, it } from "vitest";
import { actionInputSchema, clipText, outcomeInputSchema, parseRecordInput } from "../../src/actions/record-input.js";
import { InputError } from "../../src/errors.js";

const ok = { repo: "dappcore/core", pr: 315, action: "wait" };

function error(schema: Parameters<typeof parseRecordInput>[0], raw: unknown): InputError {
  try {
    parseRecordInput(schema, raw);
  } catch (err) {
    return err as InputError;
  }
  throw new Error("expected an InputError");
}

describe("actionInputSchema", () => {
  it("accepts the vocabulary, other snake_case names up to 64 characters, and numeric-string PRs", () => {
    for (const name of ["wait", "request_review_fix", "request_conflict_fix", "resolve_conflict", "update_branch", "ping_author_2", "a".repeat(64)]) {
      expect(parseRecordInput(actionInputSchema, { ...ok, action: name }).action).toBe(name);
    }
    expect(parseRecordInput(actionInputSchema, { ...ok, pr: "315" }).pr).toBe(315);
  });

  it("parses times with offsets to the same instant", () => {
    expect(parseRecordInput(actionInputSchema, { ...ok, time: "2026-02-05T10:00:00.250+01:00" }).time).toEqual(new Date("2026-02-05T09:00:00.250Z"));
  });

  it("measures reason in UTF-8 bytes", () => {
    expect(parseRecordInput(actionInputSchema, { ...ok, reason: "é".repeat(512) }).reason).toHaveLength(512);
    expect(error(actionInputSchema, { ...ok, reason: "é".repeat(513) }).message).toBe("reason must be at most 1024 bytes");
  });

  it("names the field, in the caller's spelling", () => {
    const e = error(outcomeInputSchema, { repo: "a/b", pr: 1, result: "escalated", resolution_hours: Number.POSITIVE_INFINITY });
    expect([e.field, e.message]).toEqual(["resolution_hours", "resolution_hours must be a finite number of hours >= 0"]);
    try {
      parseRecordInput(outcomeInputSchema, { repo: "a/b", pr: 1, result: "escalated", resolution_hours: -2 }, (k) => `--${k.replace(/_/g, "-")}`);
    } catch (err) {
      expect((err as Error).message).toBe("--resolution-hours must be a finite number of hours >= 0");
    }
    expect(error(actionInputSchema, { ...ok, pr: true }).message).toBe("pr must be a pull request number (a positive whole number)");
    expect(error(actionInputSchema, null).message).toBe("the body must be a JSON object with the fields repo, pr, action, reason, time, actor");
  });
});

describe("clipText", () => {
  it("keeps short text and cuts long text to 1 KiB on a character boundary", () => {
    expect(clipText("short")).toBe("short");
    const clipped = clipText("🚀".repeat(400));
    expect(Buffer.byteLength(clipped)).toBeLessThanOrEqual(1024);
    expect(clipped).toBe("🚀".repeat(255) + "…");
  });
});
