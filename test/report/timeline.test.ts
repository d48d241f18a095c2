import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { buildTimeline } from "../../src/report/pr-timeline.js";
import { writeJournal } from "../dataset/fixtures.js";
import { HOSTILE_REASON, REPO, reportDataset } from "./report-fixture.js";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "timeline-"));
  await writeJournal(join(dataDir, "journal"), reportDataset());
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const io = memoryIo({ DATA_DIR: dataDir });
  await runCli(args, io);
  return io;
}

describe("pr-telemetry timeline", () => {
  it("prints one PR's life: what changed at each observation, each action with source and reason, the outcome", async () => {
    const io = await cli("timeline", `${REPO}#1`);
    expect(io.err).toBe("");
    expect(io.out).toBe(
      [
        "acme/api#1: 5 entries",
        "2026-02-02 08:00:00Z  observed pull_request.opened",
        "    checks_total: ∅ → 2",
        '    is_draft: ∅ → true',
        '    merge_state: ∅ → "DRAFT"',
        "    reviews_approved: ∅ → 0",
        '    state: ∅ → "OPEN"',
        "2026-02-02 10:00:00Z  observed pull_request.ready_for_review",
        "    is_draft: true → false",
        '    merge_state: "DRAFT" → "BLOCKED"',
        "2026-02-02 11:00:00Z  action request_review_fix (api)",
        `    reason: ${HOSTILE_REASON}`,
        "2026-02-02 12:00:00Z  observed pull_request_review.submitted",
        '    merge_state: "BLOCKED" → "CLEAN"',
        "    reviews_approved: 0 → 1",
        "2026-02-02 14:00:00Z  outcome success success detail (webhook, 6.0 h after opening)",
        "",
      ].join("\n"),
    );
  });

  it("colours only a terminal, and shows a reason's control characters escaped", async () => {
    const io = memoryIo({ DATA_DIR: dataDir });
    io.stdoutIsTTY = true;
    await runCli(["timeline", `${REPO}#1`], io);
    expect(io.out).toContain("\x1b[33maction\x1b[0m request_review_fix");
    expect(io.out).toContain("\x1b[32moutcome success\x1b[0m");
    const { formatTimeline } = await import("../../src/report/format-timeline.js");
    const timeline = buildTimeline("o/r", 1, [{ measurement: "action_taken", time: new Date(0), tags: {}, fields: { action: "wait", reason: "a\x1b[2Jb\nc" } }]);
    expect(formatTimeline(timeline, { color: false })).toContain("reason: a\\u001b[2Jb⏎c");
  });

  it("writes an HTML page with --html --out, every stored string escaped", async () => {
    const file = join(dataDir, "t.html");
    const io = await cli("timeline", `https://github.com/${REPO}/pull/1`, "--html", "--out", file);
    expect(io.err).toContain("5 entries of acme/api#1 written to");
    const html = await readFile(file, "utf8");
    expect(html).toContain('data-marks="5"');
    expect(html).not.toContain(HOSTILE_REASON);
    expect(html).toContain("&#60;/script&#62;&#60;script&#62;window.pwned=1");
    // In the page's data the reason is JSON with < escaped: no </script> can end the element early.
    expect(html.match(/<\/script>/g)!.length).toBe(4);
  });

  it("says so when the PR has nothing recorded, and refuses what is not a PR", async () => {
    expect((await cli("timeline", `${REPO}#99`)).out).toContain("nothing recorded for this pull request");
    const bad = await cli("timeline", "acme-api-1");
    expect(bad.err).toContain('"acme-api-1" is not a pull request: write owner/repo#123');
  });
});
