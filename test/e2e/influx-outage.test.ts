import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";
import type { FakePullRequest } from "../helpers/fake-github/index.js";
import { startE2e, type E2e } from "./e2e-harness.js";

// The real InfluxDB 1.6 of the tests goes away in the middle of a stream of deliveries and comes
// back: the app keeps acknowledging and journaling, and once InfluxDB is back every journal point
// is in it exactly once (its identity, measurement + tags + time, and its fields).
describe("InfluxDB stopped for part of a stream, end to end", () => {
  let influx: Influxd;
  let e: E2e;
  beforeAll(async () => {
    influx = await startInfluxd();
    e = await startE2e({ env: { INFLUX_HOST: influx.url, INFLUX_DATABASE: influx.database } });
  }, 60_000);
  afterAll(async () => {
    await e?.close();
    await influx?.close();
  });

  async function health(): Promise<{ backlog: number; influxReachable?: boolean; store: string; status: string }> {
    return (await (await fetch(`${e.app.url}/health`)).json()) as never;
  }

  it("delivers every point exactly once after InfluxDB returns", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/influx", { requiredChecks: [] });
    const prs: FakePullRequest[] = [];
    const phase = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const pr = m.openPullRequest(repo, { author: i % 2 ? "dev" : "jules[bot]", title: `a "title", with = and spaces ${i}` });
        prs.push(pr);
        await e.deliver(e.payloads.pullRequest(pr, "opened"));
        await e.deliver(e.payloads.checkRun(pr, m.completeCheck(pr, "build", "SUCCESS")));
        if (i % 3 === 0) {
          m.merge(pr);
          await e.deliver(e.payloads.pullRequest(pr, "closed"));
        }
      }
      for (const pr of prs) await e.waitForTruth(pr, { since: new Date(0) });
    };

    await phase(5);
    expect((await health()).store).toBe("influx-v1");
    await influx.stop();
    await phase(10); // InfluxDB is down: acknowledged and journaled all the same
    const during = await health();
    expect(during.status).toBe("ok");
    expect(during.backlog).toBeGreaterThan(0);
    await influx.start();
    await phase(5);

    // Wait for the forwarder to catch up.
    const deadline = Date.now() + 60_000;
    while ((await health()).backlog > 0) {
      if (Date.now() > deadline) throw new Error(`backlog still ${(await health()).backlog} a minute after InfluxDB returned`);
      await sleep(200);
    }

    const journal = await e.points();
    for (const measurement of ["pr_observation", "outcome"]) {
      const mine = journal.filter((p) => p.measurement === measurement);
      expect(mine.length).toBeGreaterThan(0);
      const rows = await influx.rows(`SELECT * FROM "${measurement}"`);
      // The helper asks for epoch=ms: times come back as milliseconds.
      const key = (ms: number, pr: unknown) => `${ms}|${String(pr)}`;
      const inInflux = new Map(rows.map((r) => [key(Number(r["time"]), r["pr"]), r]));
      expect(rows).toHaveLength(new Set(mine.map((p) => key(p.time.getTime(), p.tags["pr"]))).size);
      for (const p of mine) {
        const row = inInflux.get(key(p.time.getTime(), p.tags["pr"]));
        expect(row, `${measurement} ${p.time.toISOString()} #${p.tags["pr"]} missing from InfluxDB`).toBeDefined();
        expect(row!["repo"]).toBe(p.tags["repo"]);
        for (const [field, value] of Object.entries(p.fields)) expect(row![field], `${measurement}.${field}`).toEqual(value);
      }
    }
  }, 150_000);
});
