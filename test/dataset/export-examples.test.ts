import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyExportCounts, exportLines, type ExportLinesOptions } from "../../src/dataset/export-lines.js";
import { readJournalBatches } from "../../src/store/read-journal-batches.js";
import type { Point } from "../../src/store/point.js";
import { act, fromArray, obs, out, writeJournal } from "./fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "examples-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Every behaviour is checked through three paths that must agree: points from memory (the
// InfluxDB path), from a journal sorted in one run, and from a journal spilled to many runs.
const modes = ["array", "journal", "journal-spilled"] as const;

async function examples(points: Point[], mode: (typeof modes)[number], options: Partial<ExportLinesOptions> = {}) {
  const counts = emptyExportCounts();
  let source: AsyncIterable<Point[]>;
  if (mode === "array") source = fromArray(points);
  else {
    await writeJournal(join(dir, "journal"), points);
    source = readJournalBatches(join(dir, "journal"));
  }
  const lines: Array<Record<string, unknown>> = [];
  const opts = { kind: "examples" as const, ...options, ...(mode === "journal-spilled" ? { runBytes: 300, tmpDir: dir } : {}) };
  for await (const batch of exportLines(source, opts, counts)) for (const l of batch) lines.push(JSON.parse(l.line));
  return { lines, counts };
}

const R = "dappcore/core";

describe.each(modes)("examples (%s)", (mode) => {
  it("takes the newest observation at or before the action, never one a millisecond later", async () => {
    // Written out of time order on purpose: the journal's order is write order, not time order.
    const points = [
      obs(R, 315, "2026-02-05T10:00:00.001Z", { merge_state: "AFTER" }),
      act(R, 315, "2026-02-05T10:00:00.000Z", "request_review_fix"),
      obs(R, 315, "2026-02-05T09:00:00.000Z", { merge_state: "OLD" }),
      obs(R, 315, "2026-02-05T09:59:59.999Z", { merge_state: "NEWEST_BEFORE" }),
      act(R, 315, "2026-02-05T11:00:00.000Z", "wait"),
      obs(R, 315, "2026-02-05T11:00:00.000Z", { merge_state: "SAME_MS" }),
      obs(R, 315, "2026-02-05T11:00:00.001Z", { merge_state: "ONE_MS_LATER" }),
      out(R, 315, "2026-02-05T13:06:00.000Z", "success", 4.2, "merged"),
    ];
    const { lines } = await examples(points, mode);
    expect(lines.map((l) => [l.action, (l.signals as Record<string, unknown>).merge_state, l.signals_time])).toEqual([
      ["request_review_fix", "NEWEST_BEFORE", "2026-02-05T09:59:59.999Z"],
      ["wait", "SAME_MS", "2026-02-05T11:00:00.000Z"],
    ]);
    expect(lines[0]).toEqual({
      repo: R,
      pr: 315,
      time: "2026-02-05T10:00:00.000Z",
      action: "request_review_fix",
      reason: "why request_review_fix",
      source: "cli",
      signals: { merge_state: "NEWEST_BEFORE", state: "OPEN" },
      signals_time: "2026-02-05T09:59:59.999Z",
      outcome: { result: "success", detail: "merged", resolution_hours: 4.2, time: "2026-02-05T13:06:00.000Z" },
      hours_to_outcome: 3.1,
    });
  });

  it("writes signals null when no observation precedes the action, and counts it", async () => {
    const { lines, counts } = await examples(
      [act(R, 1, "2026-02-05T09:00:00.000Z", "wait"), obs(R, 1, "2026-02-05T09:00:00.001Z"), out(R, 1, "2026-02-05T10:00:00.000Z", "closed", 1)],
      mode,
    );
    expect(lines[0]).toMatchObject({ signals: null, signals_time: null, outcome: { result: "closed" } });
    expect(counts.withoutSignals).toBe(1);
  });

  it("labels with the latest outcome after the action; open, reopened and post-outcome actions are censored", async () => {
    const points = [
      // PR 1: closed, reopened, merged: the latest outcome (success) is the label.
      obs(R, 1, "2026-02-01T00:00:00.000Z"),
      act(R, 1, "2026-02-01T01:00:00.000Z", "wait"),
      out(R, 1, "2026-02-01T02:00:00.000Z", "closed", 2),
      out(R, 1, "2026-02-01T05:00:00.000Z", "success", 5),
      // PR 2: still open.
      obs(R, 2, "2026-02-01T00:00:00.000Z"),
      act(R, 2, "2026-02-01T01:00:00.000Z", "request_conflict_fix"),
      // PR 3: closed, then seen open again (reopened) and not closed since.
      act(R, 3, "2026-02-01T01:00:00.000Z", "wait"),
      out(R, 3, "2026-02-01T02:00:00.000Z", "closed", 2),
      obs(R, 3, "2026-02-01T03:00:00.000Z", { state: "OPEN" }),
      // PR 4: an action after the PR's last outcome; the outcome at the action's very ms counts.
      out(R, 4, "2026-02-01T02:00:00.000Z", "success", 2),
      act(R, 4, "2026-02-01T02:00:00.000Z", "close"),
      act(R, 4, "2026-02-01T02:00:00.001Z", "comment"),
    ];
    const { lines, counts } = await examples(points, mode);
    expect(lines.map((l) => [l.pr, l.action, (l.outcome as { result?: string } | null)?.result ?? null, l.censored ?? false, l.hours_to_outcome])).toEqual([
      [1, "wait", "success", false, 4],
      [2, "request_conflict_fix", null, true, null],
      [3, "wait", null, true, null],
      [4, "close", "success", false, 0],
      [4, "comment", null, true, null],
    ]);
    expect(counts.censored).toBe(3);
    expect(lines[1]).not.toHaveProperty("outcome.result");
    expect(lines[1]!.outcome).toBeNull();
    expect(lines[0]).not.toHaveProperty("censored");
  });

  it("collapses duplicates by identity, the later write winning", async () => {
    const points = [
      obs(R, 9, "2026-02-05T09:00:00.000Z", { checks_total: 1 }),
      act(R, 9, "2026-02-05T10:00:00.000Z", "wait", { reason: "first write" }),
      obs(R, 9, "2026-02-05T09:00:00.000Z", { checks_total: 2 }),
      act(R, 9, "2026-02-05T10:00:00.000Z", "wait", { reason: "second write" }),
      out(R, 9, "2026-02-05T11:00:00.000Z", "closed", 1),
      out(R, 9, "2026-02-05T11:00:00.000Z", "success", 1),
    ];
    const { lines, counts } = await examples(points, mode);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reason: "second write", signals: { checks_total: 2 }, outcome: { result: "success" } });
    expect(counts.duplicates).toBe(3);
  });

  it("orders by repo, pr (as a number), time, and --since selects actions but not their signals", async () => {
    const points = [
      act("b/z", 1, "2026-02-05T10:00:00.000Z", "wait"),
      act(R, 10, "2026-02-05T10:00:00.000Z", "wait"),
      act(R, 9, "2026-02-05T12:00:00.000Z", "wait"),
      act(R, 9, "2026-02-05T11:00:00.000Z", "wait"),
      obs(R, 9, "2026-02-01T00:00:00.000Z", { merge_state: "LONG_AGO" }),
      act(R, 9, "2026-02-01T00:00:00.000Z", "too_old"),
    ];
    const { lines } = await examples(points, mode, { since: new Date("2026-02-05T00:00:00.000Z") });
    expect(lines.map((l) => `${l.repo}#${l.pr}@${(l.time as string).slice(11, 13)}`)).toEqual([
      "b/z#1@10",
      "dappcore/core#9@11",
      "dappcore/core#9@12",
      "dappcore/core#10@10",
    ]);
    expect(lines[1]).toMatchObject({ signals: { merge_state: "LONG_AGO" }, signals_time: "2026-02-01T00:00:00.000Z" });
  });
});
