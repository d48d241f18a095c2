import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { writeJournal } from "../dataset/fixtures.js";
import { HOSTILE_REASON, HOSTILE_REPO, reportDataset, WINDOW } from "./report-fixture.js";

let dataDir: string;
let html: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "report-"));
  await writeJournal(join(dataDir, "journal"), reportDataset());
  const io = memoryIo({ DATA_DIR: dataDir });
  await runCli(["report", "--since", WINDOW.since, "--until", WINDOW.until, "--out", join(dataDir, "report.html")], io);
  expect(io.err).toMatch(/^report: 4 PR\(s\), 6 action\(s\) written to /);
  html = await readFile(join(dataDir, "report.html"), "utf8");
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The page's embedded data (charts and stats), parsed as the page's script parses it. */
function pageData(text: string): { charts: Array<{ id: string; reading: string; marks: number; plot: { data: Array<Record<string, unknown>> } }>; stats: unknown } {
  const json = /<script type="application\/json" id="page-data">(.*?)<\/script>/s.exec(text)![1]!;
  return JSON.parse(json);
}

const chart = (id: string) => pageData(html).charts.find((c) => c.id === id)!;

describe("pr-telemetry report", () => {
  it("holds exactly the figures `stats --json` prints for the same window", async () => {
    const io = memoryIo({ DATA_DIR: dataDir });
    await runCli(["stats", "--json", "--since", WINDOW.since, "--until", WINDOW.until], io);
    const stats = JSON.parse(io.out);
    expect(pageData(html).stats).toEqual(stats);
    // The charts are drawn from those same numbers.
    expect(chart("success-by-action").plot.data).toEqual(
      stats.actions.filter((a: any) => a.resolved > 0).map((a: any) => ({ key: a.action, rate: a.successRate, low: a.wilson95.low, high: a.wilson95.high, n: a.resolved })),
    );
    const medians = (chart("hours-to-outcome").plot as unknown as { medians: Array<{ key: string; value: number }> }).medians;
    expect(medians).toEqual(stats.actions.filter((a: any) => a.hoursToOutcome).map((a: any) => ({ key: a.action, value: a.hoursToOutcome.median })));
    // The report's own dots are the PRs stats counts: as many per action, with the same median.
    for (const a of stats.actions.filter((x: any) => x.hoursToOutcome)) {
      const dots = chart("hours-to-outcome").plot.data.filter((d) => d.key === a.action).map((d) => d.value as number);
      expect(dots.length, a.action).toBe(a.hoursToOutcome.n);
    }
  });

  it("shows the hand-worked figures of the dataset, each chart with its reading", () => {
    expect(chart("success-by-action").plot.data.map((d) => [d.key, d.rate, d.n])).toEqual([
      ["request_conflict_fix", 0, 1],
      ["request_review_fix", 1, 1],
      ["wait", 1, 1],
    ]);
    expect(chart("success-by-action").reading).toMatch(/^Best: request_review_fix 1 of 1 resolved PRs \(100%, 95% interval 21%–100%\); worst: request_conflict_fix 0 of 1/);
    expect(chart("hours-to-outcome").plot.data).toEqual([
      { key: "request_conflict_fix", value: 3 },
      { key: "request_review_fix", value: 3 },
      { key: "wait", value: 1 },
    ]);
    expect(chart("merge-states").plot.data).toEqual([
      { key: "BLOCKED", value: 138 },
      { key: "CLEAN", value: 6 },
      { key: "DIRTY", value: 2 },
      { key: "DRAFT", value: 2 },
      { key: "(in draft)", value: 2 },
    ]);
    expect(chart("merge-states").reading).toBe("Open PRs spent most of their time BLOCKED: 138.0 h of 148.0 h (93%); 2.0 h in draft.");
    expect(chart("funnel").reading).toBe(
      "4 opened, 4 ready for review (median 0.0 h after the previous step), 1 approved (median 2.0 h after the previous step), 2 merged (median 2.0 h after the previous step).",
    );
    expect(chart("volume").marks).toBe(11);
    expect(chart("volume").reading).toBe("7 observations, 6 actions and 3 outcomes on 4 day(s).");
    expect(chart("webhook-loss").reading).toBe("1 of 3 outcomes (33%) were recorded by the sweep: the webhook loss the sweeps measured.");
    expect(pageData(html).charts.map((c) => [c.id, c.marks])).toEqual([
      ["success-by-action", 3],
      ["success-by-agent", 3],
      ["hours-to-outcome", 3],
      ["merge-states", 5],
      ["funnel", 4],
      ["volume", 11],
      ["webhook-loss", 3],
    ]);
  });

  it("lists the slowest open PR and the PRs with the most attempts, linked to their timelines", () => {
    expect(html).toContain('<a href="#timeline-0">acme/api#3</a></td><td>jules[bot]</td><td class="num">136.0 h</td><td>BLOCKED</td>');
    expect(html).toMatch(/<details id="timeline-0"><summary>acme\/api#3: timeline/);
    expect(html).toContain('<td><a href="#timeline-0">acme/api#3</a></td><td class="num">3</td><td>(open)</td>');
  });

  it("escapes hostile repository names and reasons: no markup and no script of theirs reaches the page", () => {
    expect(html.includes(HOSTILE_REASON)).toBe(false);
    expect(html.includes(HOSTILE_REPO)).toBe(false);
    expect(html.includes("<img")).toBe(false);
    expect(html.includes("acme/x&#34;&#62;&#60;img src=http://127.0.0.1:9/y.png&#62;#4")).toBe(true);
    // Only the page's own script elements close: the data's `</script>` is JSON-escaped.
    expect(html.match(/<\/script>/g)!.length).toBe(4);
    expect(html.includes("reason: &#60;/script&#62;&#60;script&#62;window.pwned=1&#60;/script&#62;&#60;img src=&#34;http://127.0.0.1:9/x.png&#34;")).toBe(true);
  });

  it("is self-contained: the chart libraries are inline and nothing is loaded from elsewhere", () => {
    expect(html).toContain("// @observablehq/plot v0.6.17");
    expect(html).toMatch(/https:\/\/d3js\.org v7/);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
  });

  it("says plainly when there is nothing to show (an empty store gives a page, not a crash)", async () => {
    const empty = await mkdtemp(join(tmpdir(), "report-empty-"));
    try {
      const io = memoryIo({ DATA_DIR: empty });
      await runCli(["report", "--out", join(empty, "r.html")], io);
      const data = pageData(await readFile(join(empty, "r.html"), "utf8"));
      // The funnel keeps its four steps, at zero; every other chart is empty.
      expect(data.charts.map((c) => c.marks)).toEqual([0, 0, 0, 0, 4, 0, 0]);
      expect(data.charts.find((c) => c.id === "success-by-action")!.reading).toBe("No action has a known outcome in this window yet (open PRs are not counted as failures).");
      expect(data.charts.find((c) => c.id === "volume")!.reading).toBe("Nothing was recorded in this window.");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
