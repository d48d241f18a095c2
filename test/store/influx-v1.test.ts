import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InfluxV1Store, influxQlFor } from "../../src/store/influx-v1-store.js";
import { InfluxWriteError } from "../../src/store/influx-write-error.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { hostilePoints, HOSTILE_STRINGS, sortPoints } from "../helpers/hostile-points.js";
import { startCaptureServer } from "../helpers/capture-server.js";
import { freePort, startInfluxd, type Influxd } from "../helpers/influxd.js";

let influx: Influxd;
let store: InfluxV1Store;

beforeAll(async () => {
  influx = await startInfluxd();
  store = new InfluxV1Store({ url: influx.url, database: influx.database });
});
afterAll(async () => {
  await influx?.close();
});

describe("InfluxV1Store against influxd 1.6.7", () => {
  it("round-trips every measurement with hostile tag values and string fields, compared exactly with InfluxQL", async () => {
    const points = hostilePoints();
    await store.write(points);

    // Straight InfluxQL: string fields exactly as given; tags as stored (encodeTagValue).
    const rows = await influx.rows('SELECT "author", "repo", "reason", "detail", "merge_state" FROM "action_taken", "outcome", "pr_observation" ORDER BY time');
    expect(rows).toHaveLength(points.length);
    const byTime = new Map<number, Array<Record<string, unknown>>>();
    for (const row of rows) byTime.set(row.time as number, [...(byTime.get(row.time as number) ?? []), row]);
    HOSTILE_STRINGS.forEach((s, i) => {
      const at = byTime.get(Date.UTC(2026, 1, 5, 9) + i * 1000)!;
      expect(at).toHaveLength(3);
      const stored = s
        .replace(/[%\n\r\t]/g, (c) => ({ "%": "%25", "\n": "%0A", "\r": "%0D", "\t": "%09" })[c]!)
        .replace(/\\$/, "%5C");
      for (const row of at) {
        expect(row.author).toBe(stored);
        expect(row.repo).toBe(`owner/${stored}`);
      }
      expect(at.map((r) => r.reason ?? r.detail ?? r.merge_state).sort()).toEqual([`detail: ${s}`, `merge_state: ${s}`, `reason: ${s}`]);
    });

    // Through read(): everything back exactly, tags decoded, integer/float/boolean types restored.
    const back: Point[] = [];
    for await (const p of store.read()) back.push(p);
    expect(sortPoints(back)).toEqual(sortPoints(points));
  });

  it("stores exactly the documented forms of tag values line protocol cannot carry", async () => {
    const time = new Date(Date.UTC(2026, 2, 1));
    await store.write([makePoint("action_taken", time, { repo: "x/y", author: "ends with\\", pr: "a\nb\tc\rd%e" }, { action: "wait" })]);
    const rows = await influx.rows(`SELECT * FROM "action_taken" WHERE time = ${time.getTime()}ms`);
    expect(rows).toEqual([{ time: time.getTime(), action: "wait", author: "ends with%5C", pr: "a%0Ab%09c%0Dd%25e", repo: "x/y" }]);
  });

  it("reads back only the range asked for: time bounds, measurements, repos", async () => {
    const t = Date.UTC(2027, 0, 1);
    await store.write([
      makePoint("outcome", new Date(t), { repo: "a/one", pr: "1" }, { result: "success", resolution_hours: 1 }),
      makePoint("outcome", new Date(t + 1000), { repo: "a/two", pr: "2" }, { result: "failure", resolution_hours: 2.5 }),
      makePoint("action_taken", new Date(t + 2000), { repo: "a/one", pr: "1" }, { action: "merge" }),
      makePoint("outcome", new Date(t + 3000), { repo: "a/one", pr: "3" }, { result: "success", resolution_hours: 3 }),
    ]);
    const read = async (range: Parameters<InfluxV1Store["read"]>[0]) => {
      const out: string[] = [];
      for await (const p of store.read(range)) out.push(`${p.measurement} ${p.tags.repo} ${p.time.getTime() - t}`);
      return out.sort();
    };
    expect(await read({ since: new Date(t), until: new Date(t + 2000), measurements: ["outcome"] })).toEqual(["outcome a/one 0", "outcome a/two 1000"]);
    expect(await read({ since: new Date(t), repos: ["a/one"] })).toEqual(["action_taken a/one 2000", "outcome a/one 0", "outcome a/one 3000"]);
    expect(influxQlFor({ repos: ["it's\\"], measurements: ['m"x'] })).toBe(`SELECT * FROM "m\\"x" WHERE ("repo" = 'it\\'s%5C') GROUP BY *`);
  });

  it("streams a large read in chunks instead of one answer", async () => {
    const t = Date.UTC(2028, 0, 1);
    const points = Array.from({ length: 12_000 }, (_, i) => makePoint("outcome", new Date(t + i), { repo: "big/one", pr: "1" }, { result: "success", resolution_hours: i }));
    await store.write(points);
    let count = 0;
    let last = -1;
    for await (const p of store.read({ since: new Date(t), repos: ["big/one"] })) {
      expect(p.fields.resolution_hours).toBe(p.time.getTime() - t);
      last = Math.max(last, p.time.getTime() - t);
      count++;
    }
    expect(count).toBe(12_000);
    expect(last).toBe(11_999);
  });

  it("says 'rejected' with the server's reason for a field type conflict (HTTP 400)", async () => {
    const time = new Date(Date.UTC(2026, 3, 1));
    await store.writeLines(["conflict,repo=a/b value=1i " + time.getTime()]);
    const err = await store.writeLines(['conflict,repo=a/b value="text" ' + (time.getTime() + 1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect((err as InfluxWriteError).failure).toBe("rejected");
    expect((err as InfluxWriteError).status).toBe(400);
    expect((err as InfluxWriteError).message).toMatch(/field type conflict/);
  });

  it("says 'misconfigured' naming INFLUX_DATABASE when the database does not exist", async () => {
    const other = new InfluxV1Store({ url: influx.url, database: "missing" });
    const err = (await other.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err.failure).toBe("misconfigured");
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/database not found.*INFLUX_DATABASE/);
  });

  it("says 'unavailable' when nothing listens, and ping() is false", async () => {
    const down = new InfluxV1Store({ url: `http://127.0.0.1:${await freePort()}`, database: "x" });
    const err = (await down.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err.failure).toBe("unavailable");
    expect(err.message).toMatch(/did not answer: ECONNREFUSED/);
    expect(await down.ping(500)).toBe(false);
    expect(await store.ping()).toBe(true);
  });
});

describe("InfluxV1Store error messages", () => {
  it("cut InfluxDB's reason for a large refused batch (it quotes every bad line)", async () => {
    const err = (await store.writeLines(Array.from({ length: 200 }, (_, i) => `m f=1 bad${i}`)).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err.failure).toBe("rejected");
    expect(err.message).toMatch(/^InfluxDB refused a write of 200 lines \(HTTP 400: unable to parse 'm f=1 bad0': bad timestamp/);
    expect(err.message).toMatch(/\.\.\. \(\d+ more characters\)\);/);
    expect(err.message.length).toBeLessThan(1300);
  });
});

describe("InfluxV1Store requests", () => {
  it("POSTs /write?db=&rp=&precision=ms with Basic credentials (never in the URL), gzipped above 1 kB", async () => {
    const server = await startCaptureServer();
    try {
      const s = new InfluxV1Store({ url: `${server.url}/`, database: "training", retentionPolicy: "autogen", username: "writer", password: "pa:ss" });
      await s.writeLines(["m f=1 1"]);
      await s.writeLines(Array.from({ length: 200 }, (_, i) => `m f=${i} ${i}`));
      const [small, big] = server.requests;
      expect(small!.url).toBe("/write?db=training&precision=ms&rp=autogen");
      expect(small!.headers.authorization).toBe(`Basic ${Buffer.from("writer:pa:ss").toString("base64")}`);
      expect(small!.headers["content-encoding"]).toBeUndefined();
      expect(small!.body).toBe("m f=1 1\n");
      expect(big!.headers["content-encoding"]).toBe("gzip");
      expect(big!.body.split("\n")).toHaveLength(201);
      expect(s.target).toBe(`${server.url} database training rp autogen`);
    } finally {
      await server.close();
    }
  });

  it("503 with Retry-After and 401 are told apart", async () => {
    let reply = { status: 503, headers: { "retry-after": "3" }, body: "" };
    const server = await startCaptureServer(() => reply);
    try {
      const s = new InfluxV1Store({ url: server.url, database: "d", username: "u", password: "p" });
      const unavailable = (await s.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError;
      expect([unavailable.failure, unavailable.retryAfterMs]).toEqual(["unavailable", 3000]);
      reply = { status: 401, headers: { "retry-after": "" }, body: '{"error":"authorization failed"}' };
      const unauthorized = (await s.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError;
      expect(unauthorized.failure).toBe("unauthorized");
      expect(unauthorized.message).toBe(
        "InfluxDB refused a write of 1 lines (HTTP 401: authorization failed); check INFLUX_USERNAME and INFLUX_PASSWORD: the user needs WRITE on INFLUX_DATABASE",
      );
    } finally {
      await server.close();
    }
  });
});

describe("InfluxV1Store reads", () => {
  it("a reader may stop early; a query error becomes a StoreError", async () => {
    const t = Date.UTC(2029, 0, 1);
    await store.write(Array.from({ length: 50 }, (_, i) => makePoint("outcome", new Date(t + i), { repo: "early/stop", pr: "1" }, { result: "success" })));
    let seen = 0;
    for await (const _ of store.read({ repos: ["early/stop"] })) if (++seen === 3) break;
    expect(seen).toBe(3);
    const missing = new InfluxV1Store({ url: influx.url, database: "nope" });
    const read = async () => {
      for await (const _ of missing.read()) void _;
    };
    await expect(read()).rejects.toThrow(/^InfluxDB query failed: database not found: nope/);
  });
});
