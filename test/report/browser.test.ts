import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { buildTimeline } from "../../src/report/pr-timeline.js";
import { renderTimelinePage } from "../../src/report/timeline-page.js";
import { writeJournal } from "../dataset/fixtures.js";
import { HOSTILE_REPO, REPO, reportDataset, WINDOW } from "./report-fixture.js";

// The report and a timeline page opened in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core): no console error, no request at all beyond the file itself, every chart drawn
// with the marks its data has, and a screenshot for a person to look at. Chromium missing is a
// failure, not a skip: .ci/run installs it.

const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
const SCREENSHOTS = join(tmpdir(), "pr-telemetry-screenshots");

let dataDir: string;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it (apt-get install -y chromium) or set CHROMIUM_BIN; the browser test does not skip`);
  dataDir = await mkdtemp(join(tmpdir(), "report-browser-"));
  await writeJournal(join(dataDir, "journal"), reportDataset());
  const io = memoryIo({ DATA_DIR: dataDir });
  await runCli(["report", "--since", WINDOW.since, "--until", WINDOW.until, "--out", join(dataDir, "report.html")], io);
  await runCli(["timeline", `${REPO}#1`, "--html", "--out", join(dataDir, "timeline.html")], io);
  // A repository name the CLI would refuse can still be in the store (a tag is any string): its page, built directly.
  const hostile = reportDataset().filter((p) => p.tags.repo === HOSTILE_REPO);
  await writeFile(join(dataDir, "timeline-hostile.html"), renderTimelinePage(buildTimeline(HOSTILE_REPO, 4, hostile), "journal", new Date()));
  expect(io.exitCode ?? 0).toBe(0);
  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Opened {
  errors: string[];
  requests: string[];
  charts: Array<{ id: string; expected: number; drawn: number; svg: boolean }>;
  pwned: unknown;
}

/** Opens a page from disk with every network request refused and recorded; counts each chart's main marks. */
async function open(file: string, screenshot: string): Promise<Opened> {
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  await page.route("**/*", (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url, { waitUntil: "load" });
  const charts = await page.$$eval("figure[data-marks]", (figures) =>
    figures.map((f) => ({
      id: f.id,
      expected: Number(f.getAttribute("data-marks")),
      drawn: f.querySelectorAll('svg g.primary > *').length,
      svg: f.querySelector(".chart svg") !== null,
    })),
  );
  const pwned = await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned);
  const path = join(SCREENSHOTS, screenshot);
  await page.screenshot({ path, fullPage: true });
  process.stdout.write(`browser test: screenshot of ${file.split("/").pop()} written to ${path}\n`);
  await context.close();
  return { errors, requests, charts, pwned };
}

describe("the report and the timeline in headless Chromium", () => {
  it("the report: no console error, no request, every chart drawn with its marks, no hostile script run", async () => {
    const page = await open(join(dataDir, "report.html"), "report.png");
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
    expect(page.pwned).toBeUndefined();
    expect(page.charts.map((c) => [c.id, c.expected])).toEqual([
      ["success-by-action", 3],
      ["success-by-agent", 3],
      ["hours-to-outcome", 3],
      ["merge-states", 5],
      ["funnel", 4],
      ["volume", 11],
      ["webhook-loss", 3],
    ]);
    for (const chart of page.charts) {
      expect(chart.svg, chart.id).toBe(true);
      expect(chart.drawn, chart.id).toBe(chart.expected);
    }
  }, 30_000);

  it("a timeline page: one dot per entry, nothing else loaded, also for a hostile repository name", async () => {
    for (const [file, entries] of [["timeline.html", 5], ["timeline-hostile.html", 3]] as const) {
      const page = await open(join(dataDir, file), file.replace(".html", ".png"));
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.pwned).toBeUndefined();
      expect(page.charts).toEqual([{ id: "timeline-chart", expected: entries, drawn: entries, svg: true }]);
    }
  }, 30_000);
});
