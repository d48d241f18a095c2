import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InfluxV2Store } from "../../src/store/influx-v2-store.js";
import { InfluxWriteError } from "../../src/store/influx-write-error.js";
import { toLineProtocol } from "../../src/store/influx-line.js";
import { makePoint } from "../../src/store/point.js";
import { hostilePoints } from "../helpers/hostile-points.js";
import { startCaptureServer } from "../helpers/capture-server.js";

let server: Awaited<ReturnType<typeof startCaptureServer>>;
let store: InfluxV2Store;

beforeEach(async () => {
  server = await startCaptureServer();
  store = new InfluxV2Store({ url: server.url, org: "agentic", bucket: "training", token: "s3cret-token" });
});
afterEach(async () => {
  await server.close();
});

const time = new Date("2026-02-05T09:00:00.123Z");
const observation = makePoint(
  "pr_observation",
  time,
  { repo: "dappcore/core", pr: "315", author: "jules[bot]" },
  { merge_state: "CLEAN", mergeable: true, is_draft: false, checks_total: 8, pr_age_hours: 48, head_sha: "abc" },
);

describe("InfluxV2Store writes (v2 API through @influxdata/influxdb-client)", () => {
  it("POSTs line protocol to /api/v2/write with org, bucket, precision=ms and Authorization: Token", async () => {
    await store.write([observation]);
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/api/v2/write?org=agentic&bucket=training&precision=ms");
    expect(req.headers.authorization).toBe("Token s3cret-token");
    expect(req.body).toMatchInlineSnapshot(
      `"pr_observation,author=jules[bot],pr=315,repo=dappcore/core checks_total=8i,head_sha="abc",is_draft=F,merge_state="CLEAN",mergeable=T,pr_age_hours=48i 1770282000123"`,
    );
  });

  it("sends the same line protocol as the v1 API for every measurement and hostile string", async () => {
    const points = hostilePoints();
    await store.write(points);
    expect(server.requests[0]!.body).toBe(points.map(toLineProtocol).join("\n"));
  });

  it("gzips a batch larger than 1 kB", async () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ ...observation, time: new Date(time.getTime() + i) }));
    await store.write(points);
    const req = server.requests[0]!;
    expect(req.headers["content-encoding"]).toBe("gzip");
    expect(req.raw.length).toBeLessThan(req.body.length);
    expect(req.body.split("\n")).toHaveLength(50);
  });

  it("401: a clear 'unauthorized' error naming INFLUX_TOKEN, without the token", async () => {
    server.respond(() => ({ status: 401, headers: { "content-type": "application/json" }, body: '{"code":"unauthorized","message":"unauthorized access"}' }));
    const err = (await store.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect(err.failure).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(err.message).toBe(
      "InfluxDB refused a write of 1 lines (HTTP 401: unauthorized access); check INFLUX_TOKEN (or INFLUX_TOKEN_FILE): it needs write access to INFLUX_BUCKET in INFLUX_ORG",
    );
    expect(err.message).not.toContain("s3cret");
    expect(server.requests).toHaveLength(1); // no retries of its own
  });

  it("429 with Retry-After: 'unavailable' carrying the wait, no retry of its own", async () => {
    server.respond(() => ({ status: 429, headers: { "retry-after": "7", "content-type": "application/json" }, body: '{"code":"too many requests","message":"org exceeded write limits"}' }));
    const err = (await store.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err.failure).toBe("unavailable");
    expect(err.retryAfterMs).toBe(7000);
    expect(server.requests).toHaveLength(1);
  });

  it("503: 'unavailable'; 400: 'rejected' with the server's reason", async () => {
    server.respond(() => ({ status: 503, body: "" }));
    expect(((await store.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError).failure).toBe("unavailable");
    server.respond(() => ({
      status: 400,
      headers: { "content-type": "application/json" },
      body: '{"code":"invalid","message":"failure writing points to database: partial write: field type conflict: input field \\"f\\" on measurement \\"m\\" is type string, already exists as type float dropped=1"}',
    }));
    const err = (await store.writeLines(['m f="x" 1']).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err.failure).toBe("rejected");
    expect(err.message).toContain('field type conflict: input field "f" on measurement "m" is type string');
  });

  it("'unavailable' when nothing listens", async () => {
    await server.close();
    const err = (await store.writeLines(["m f=1 1"]).catch((e: unknown) => e)) as InfluxWriteError;
    expect(err.failure).toBe("unavailable");
    expect(await store.ping(500)).toBe(false);
  });
});

describe("InfluxV2Store reads (Flux through the client's QueryApi)", () => {
  // The annotated CSV InfluxDB 2 answers for a pivoted query: two tables, the outcome's own
  // `result` field after the CSV's `result` column, a tag value in its stored (encoded) form.
  const csv = [
    "#group,false,false,true,true,false,true,true,true,false,false,false",
    "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,string,string,string,string,double,string",
    "#default,_result,,,,,,,,,,",
    ",result,table,_start,_stop,_time,_measurement,pr,repo,detail,resolution_hours,result",
    ',,0,1970-01-01T00:00:00Z,2262-01-01T00:00:00Z,2026-02-05T09:00:00.123Z,outcome,1,o/r%5C,"two\nlines, ""quoted""",0.5,success',
    "",
    "#group,false,false,true,true,false,true,true,true,false,false,false",
    "#datatype,string,long,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,string,string,string,long,boolean,string",
    "#default,_result,,,,,,,,,,",
    ",result,table,_start,_stop,_time,_measurement,pr,repo,checks_total,mergeable,merge_state",
    ",,1,1970-01-01T00:00:00Z,2262-01-01T00:00:00Z,2026-02-05T09:00:01Z,pr_observation,2,o/r,8,true,CLEAN",
    "",
  ].join("\r\n");

  it("queries with bound parameters and gives Points with tags decoded and field types restored", async () => {
    server.respond(() => ({ status: 200, headers: { "content-type": "text/csv; charset=utf-8" }, body: csv }));
    const points = [];
    for await (const p of store.read({ since: new Date("2026-02-01T00:00:00Z"), until: new Date("2026-02-06T00:00:00Z"), repos: ["o/r\\"], measurements: ["outcome", "pr_observation"] })) points.push(p);
    expect(points).toEqual([
      { measurement: "outcome", time: new Date("2026-02-05T09:00:00.123Z"), tags: { pr: "1", repo: "o/r\\" }, fields: { detail: 'two\nlines, "quoted"', resolution_hours: 0.5, result: "success" } },
      { measurement: "pr_observation", time: new Date("2026-02-05T09:00:01Z"), tags: { pr: "2", repo: "o/r" }, fields: { checks_total: 8, mergeable: true, merge_state: "CLEAN" } },
    ]);
    const req = server.requests[0]!;
    expect(req.url).toBe("/api/v2/query?org=agentic");
    expect(req.headers.authorization).toBe("Token s3cret-token");
    const query = (JSON.parse(req.body) as { query: string }).query;
    expect(query).toBe(
      [
        'from(bucket: "training")',
        "  |> range(start: 2026-02-01T00:00:00.000Z, stop: 2026-02-06T00:00:00.001Z)",
        '  |> filter(fn: (r) => contains(value: r._measurement, set: ["outcome","pr_observation"]))',
        '  |> filter(fn: (r) => contains(value: r.repo, set: ["o/r%5C"]))',
        '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumnKey: "_value")',
      ].join("\n"),
    );
  });

  it("turns a refused query into a StoreError naming what to check", async () => {
    server.respond(() => ({ status: 404, headers: { "content-type": "application/json" }, body: '{"code":"not found","message":"bucket \\"training\\" not found"}' }));
    const read = async () => {
      for await (const _ of store.read()) void _;
    };
    await expect(read()).rejects.toThrow(/HTTP 404: bucket "training" not found.*INFLUX_BUCKET/);
  });
});
