import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import { startInfluxd } from "../helpers/influxd.js";

it("fails (never skips) with the install command when influxd is missing", async () => {
  await expect(startInfluxd({ bin: "/nonexistent/influxd" })).rejects.toThrow(
    "/nonexistent/influxd is missing: these tests run a real InfluxDB 1.6. Install it with `apt-get install -y influxdb` (CI does this in .ci/run).",
  );
});

it("starts influxd on its own loopback ports, survives stop/start and kill -9 with its data, and cleans up", async () => {
  const a = await startInfluxd();
  const b = await startInfluxd({ database: "other" });
  try {
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(b.url).not.toBe(a.url);
    const write = (url: string, db: string, line: string) => fetch(`${url}/write?db=${db}&precision=ms`, { method: "POST", body: line }).then((r) => r.status);
    expect(await write(a.url, "telemetry", "m,t=x f=1i 1000")).toBe(204);
    expect(await write(b.url, "other", "m,t=y f=2i 2000")).toBe(204);
    await a.stop();
    await expect(fetch(`${a.url}/ping`)).rejects.toThrow();
    await a.start();
    expect(await a.rows("SELECT * FROM m")).toEqual([{ time: 1000, f: 1, t: "x" }]);
    await a.kill9();
    await a.start();
    expect(await a.rows("SELECT * FROM m")).toEqual([{ time: 1000, f: 1, t: "x" }]);
    expect(await b.rows("SELECT * FROM m")).toEqual([{ time: 2000, f: 2, t: "y" }]);
  } finally {
    await a.close();
    await b.close();
  }
  expect(existsSync(a.dir)).toBe(false);
});
