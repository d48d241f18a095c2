import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyExportCounts, exportLines, type ExportLinesOptions } from "../../src/dataset/export-lines.js";
import { readJournalBatches } from "../../src/store/read-journal-batches.js";
import type { Point } from "../../src/store/point.js";
import { fromArray, writeJournal } from "./fixtures.js";
import { knownAnswerJournal, R } from "./known-answer-journal.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "learning-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modes = ["array", "journal", "journal-spilled"] as const;

/** Schema-2 lines of `points`, each checked against schemas/example-v2.schema.json. */
export async function learningLines(points: Point[], mode: (typeof modes)[number], where: string, options: Partial<ExportLinesOptions> = {}) {
  const counts = emptyExportCounts();
  let source: AsyncIterable<Point[]>;
  if (mode === "array") source = fromArray(points);
  else {
    await writeJournal(join(where, "journal"), points);
    source = readJournalBatches(join(where, "journal"));
  }
  const opts = { kind: "examples" as const, schema: 2 as const, ...options, ...(mode === "journal-spilled" ? { runBytes: 300, tmpDir: where } : {}) };
  const lines: Array<Record<string, any>> = [];
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(await readFile(new URL("../../schemas/example-v2.schema.json", import.meta.url), "utf8")));
  for await (const batch of exportLines(source, opts, counts)) {
    for (const l of batch) {
      const line = JSON.parse(l.line);
      expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
      lines.push(line);
    }
  }
  return { lines, counts };
}

/** A horizon's labels as one code: C (censored) or checks, threads, mergeable, clean, approvals, retried, improved as 1/0. */
function code(h: Record<string, boolean | null>): string {
  if (h.censored) return "C";
  return ["checks_failing_zero", "threads_unresolved_zero", "mergeable", "merge_state_clean", "reviews_approved_rose", "retried", "improved"].map((k) => (h[k] ? "1" : "0")).join("");
}

const T = (hms: string) => `2026-02-05T${hms}Z`;

describe.each(modes)("schema-2 examples (%s)", (mode) => {
  it("give each feature and label its one known answer", async () => {
    const { lines, counts } = await learningLines(knownAnswerJournal(), mode, dir);
    // Worked by hand from test/dataset/known-answer-journal.ts.
    expect(
      lines.map((l) => [
        l.pr,
        l.time.slice(11, 23),
        l.action,
        l.author_kind,
        l.agent,
        l.signals_time,
        l.signals_age_s,
        l.next_observation_time,
        l.next_observation_changed,
        code(l.labels.h1),
        code(l.labels.h6),
        code(l.labels.h24),
        l.outcome_class,
        l.hours_to_outcome === null ? null : Number(l.hours_to_outcome.toFixed(7)),
        l.censored,
      ]),
    ).toEqual([
      // The trap: the observation 1 ms after the action is not its signals, but is its next observation.
      [1, "10:00:00.000", "request_review_fix", "agent", "jules", T("09:59:59.999"), 0.001, T("10:00:00.001"), ["checks_failing", "head_sha", "merge_state"], "1111111", "1111111", "1111111", "merged_with_iteration", 6, false],
      // An observation at the action's very millisecond is its signals; retried is false (no later request_review_fix).
      [1, "11:00:00.000", "request_review_fix", "agent", "jules", T("11:00:00.000"), 0, T("16:00:00.000"), ["review_decision", "reviews_changes_requested"], "0000000", "1111000", "1111000", "merged_unchanged", 5, false],
      [1, "11:30:00.000", "wait", "agent", "jules", T("11:00:00.000"), 1800, T("16:00:00.000"), ["review_decision", "reviews_changes_requested"], "0000000", "1111000", "1111000", "merged_unchanged", 4.5, false],
      // Merged 30 min later with no observation after: known (the PR ended), nothing seen.
      [2, "08:30:00.000", "merge", "agent", "copilot", T("08:00:00.000"), 1800, null, null, "0000000", "0000000", "0000000", "merged_unchanged", 0.5, false],
      // 1 ms after the outcome: no outcome after it, and no data after it either.
      [2, "09:00:00.001", "wait", "agent", "copilot", T("08:00:00.000"), 3600.001, null, null, "C", "C", "C", "open", null, true],
      // Data up to 10:00: 1 h known (threads reached 0 at 09:00 exactly; checks only 1 ms past the horizon), 6 h and 24 h censored.
      [3, "08:00:00.000", "request_conflict_fix", "human", null, T("08:00:00.000"), 0, T("09:00:00.000"), ["threads_unresolved"], "0100001", "C", "C", "open", null, true],
      // No observation at or before the action (the first is 1 ms later): no signals, no author.
      [4, "08:00:00.000", "escalate", null, null, null, null, T("08:00:00.001"), ["checks_failing", "head_sha", "merge_state", "mergeable", "reviews_approved", "state", "threads_unresolved"], "0000000", "0000000", "0000000", "escalated", 1, false],
      // The retry came 1 h 1 ms later: not within 1 h, within 6 h.
      [5, "08:00:00.000", "request_conflict_fix", "agent", "jules", T("07:00:00.000"), 3600, null, null, "0000000", "0000010", "0000010", "closed_unmerged", 4, false],
      [5, "09:00:00.001", "request_conflict_fix", "agent", "jules", T("07:00:00.000"), 7200.001, null, null, "0000000", "0000000", "0000000", "closed_unmerged", 2.9999997, false],
    ]);
    expect(counts).toMatchObject({ examples: 9, censored: 2, withoutSignals: 1 });
    expect(counts.learning).toEqual({
      firstTime: T("08:00:00.000"),
      lastTime: T("11:30:00.000"),
      censoredByHorizon: { h1: 1, h6: 2, h24: 2 },
      outcomeClasses: { merged_with_iteration: 1, merged_unchanged: 3, open: 2, escalated: 1, closed_unmerged: 2 },
    });
  });

  it("compute features as of the action's time: hours advanced, history so far, nothing later", async () => {
    const { lines } = await learningLines(knownAnswerJournal(), mode, dir);
    const [first, second, third] = lines;
    // 09:59:59.999's hours advanced by 1 ms; merge_state BLOCKED, not the AFTER_1MS of 1 ms later.
    expect(first!.signals).toMatchObject({ merge_state: "BLOCKED", pr_age_hours: 10 + 1 / 3_600_000, last_push_hours: 2 + 1 / 3_600_000, last_activity_hours: 1 + 1 / 3_600_000 });
    expect(first!.history).toEqual({
      observed_hours: 2,
      hours_in_merge_state: { BEHIND: 0, BLOCKED: 1, CLEAN: 0, DIRTY: 1, DRAFT: 0, HAS_HOOKS: 0, UNKNOWN: 0, UNSTABLE: 0 },
      hours_draft: 1,
      pushes: 0,
      review_rounds: 0,
      check_failures: 1,
      check_fail_pass_flips: 0,
      prior_actions: 0,
      prior_same_action: 0,
      prior_actions_by_type: {},
      hours_since_last_action: null,
    });
    // At 11:00: a push (a1 -> b2 at 10:00:00.001), one review round (changes requested, push, approved),
    // checks failed once and passed once; BLOCKED from 09:00 to 10:00:00.001.
    expect(second!.history).toEqual({
      observed_hours: 3,
      hours_in_merge_state: { BEHIND: 0, BLOCKED: 1 + 1 / 3_600_000, CLEAN: 0, DIRTY: 1, DRAFT: 0, HAS_HOOKS: 0, UNKNOWN: 0, UNSTABLE: 0 },
      hours_draft: 1,
      pushes: 1,
      review_rounds: 1,
      check_failures: 1,
      check_fail_pass_flips: 1,
      prior_actions: 1,
      prior_same_action: 1,
      prior_actions_by_type: { request_review_fix: 1 },
      hours_since_last_action: 1,
    });
    expect(third!.signals).toMatchObject({ merge_state: "CLEAN", pr_age_hours: 10.5, last_push_hours: 2.5, last_activity_hours: 1.5 });
    expect(third!.history).toMatchObject({ hours_in_merge_state: { CLEAN: 0.5 }, prior_actions: 2, prior_same_action: 0, prior_actions_by_type: { request_review_fix: 2 }, hours_since_last_action: 0.5 });
  });

  it("attribute with extra agent logins", async () => {
    const { lines } = await learningLines(knownAnswerJournal(), mode, dir, { agents: { "renovate[bot]": "renovator", octocat: "cat" } });
    expect(lines.map((l) => `${l.pr}:${l.author}:${l.author_kind}:${l.agent}`)).toEqual([
      "1:jules[bot]:agent:jules",
      "1:jules[bot]:agent:jules",
      "1:jules[bot]:agent:jules",
      "2:Copilot:agent:copilot",
      "2:Copilot:agent:copilot",
      "3:octocat:agent:cat",
      "4:null:null:null",
      "5:jules[bot]:agent:jules",
      "5:jules[bot]:agent:jules",
    ]);
  });
});

describe("schema 1", () => {
  it("is byte for byte the export of the code before schema 2 (test/fixtures/dataset/golden-schema1.jsonl)", async () => {
    await writeJournal(join(dir, "journal"), knownAnswerJournal());
    let text = "";
    for await (const batch of exportLines(readJournalBatches(join(dir, "journal")), { kind: "examples", schema: 1 })) for (const l of batch) text += l.line + "\n";
    expect(text).toBe(await readFile(new URL("../fixtures/dataset/golden-schema1.jsonl", import.meta.url), "utf8"));
  });
});
