import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../src/cli/cli-io.js";
import { runCli } from "../../src/cli/run-cli.js";
import { InfluxV1Store } from "../../src/store/influx-v1-store.js";
import { writeJournal } from "../dataset/fixtures.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import { REPO, reportDataset, WINDOW } from "./report-fixture.js";

// `--from influx`: the same points in the journal and in a real InfluxDB 1.6 give the same
// timeline and the same report figures.

let influx: Influxd;
let dataDir: string;
beforeAll(async () => {
  influx = await startInfluxd();
  dataDir = await mkdtemp(join(tmpdir(), "influx-views-"));
  await writeJournal(join(dataDir, "journal"), reportDataset());
  const store = new InfluxV1Store({ url: influx.url, database: influx.database });
  await store.write(reportDataset());
  await store.close();
}, 60_000);
afterAll(async () => {
  await influx?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const io = memoryIo({ DATA_DIR: dataDir, INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database });
  await runCli(args, io);
  return io;
}

const pageData = (html: string) => JSON.parse(/<script type="application\/json" id="page-data">(.*?)<\/script>/s.exec(html)![1]!);

describe("timeline and report from InfluxDB", () => {
  it("the timeline reads the same from InfluxDB as from the journal", async () => {
    const fromInflux = await cli("timeline", `${REPO}#1`, "--from", "influx");
    const fromJournal = await cli("timeline", `${REPO}#1`, "--from", "journal");
    expect(fromInflux.err).toBe("");
    expect(fromInflux.out).toContain("acme/api#1: 5 entries");
    expect(fromInflux.out).toBe(fromJournal.out);
  });

  it("the report's figures are the same from InfluxDB as from the journal", async () => {
    const pages: unknown[] = [];
    for (const from of ["influx", "journal"]) {
      const out = join(dataDir, `report-${from}.html`);
      const io = await cli("report", "--from", from, "--since", WINDOW.since, "--until", WINDOW.until, "--out", out);
      expect(io.err).toMatch(/^report: 4 PR\(s\), 6 action\(s\) written/);
      pages.push(pageData(await readFile(out, "utf8")));
    }
    expect(pages[0]).toEqual(pages[1]);
  });
});
