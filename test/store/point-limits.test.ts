import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storedPointText } from "../../src/store/point-text.js";
import { rawProjection } from "../../src/dataset/pivot-point.js";
import { InputError } from "../../src/errors.js";
import { MAX_HOURS } from "../../src/store/field-types.js";
import { toLineProtocol } from "../../src/store/influx-line.js";
import { InfluxV1Store } from "../../src/store/influx-v1-store.js";
import { Journal } from "../../src/store/journal.js";
import { serializePoint } from "../../src/store/journal-line.js";
import {
  futureProblem,
  INFLUX_MAX_TIME_MS,
  INFLUX_MIN_TIME_MS,
  PointLimitError,
  subMillisecondProblem,
} from "../../src/store/point-limits.js";
import { makePoint, type FieldValue } from "../../src/store/point.js";
import { startInfluxd, type Influxd } from "../helpers/influxd.js";

const tags = { repo: "a/b", pr: "1" };
const T = new Date("2026-02-05T09:00:00Z");
const outcome = (fields: Record<string, FieldValue>, time = T) => makePoint("outcome", time, tags, { result: "escalated", ...fields });
const observation = (fields: Record<string, FieldValue>) => makePoint("pr_observation", T, tags, fields);

function refusal(fn: () => unknown): PointLimitError {
  try {
    fn();
  } catch (err) {
    return err as PointLimitError;
  }
  throw new Error("expected a PointLimitError");
}

describe("the journal's guard (serializePoint): nothing that cannot be stored gets in, whatever path it comes from", () => {
  it.each([
    ["resolution_hours 1e308", outcome({ resolution_hours: 1e308 }), "resolution_hours", "field resolution_hours of outcome must be between 0 and 1000000, got 1e+308"],
    ["resolution_hours Infinity", outcome({ resolution_hours: Infinity }), "resolution_hours", "field resolution_hours of outcome is Infinity; only finite numbers can be stored"],
    ["resolution_hours NaN", outcome({ resolution_hours: NaN }), "resolution_hours", "field resolution_hours of outcome is NaN; only finite numbers can be stored"],
    ["resolution_hours -1", outcome({ resolution_hours: -1 }), "resolution_hours", "field resolution_hours of outcome must be between 0 and 1000000, got -1"],
    ["resolution_hours as text", outcome({ resolution_hours: "72" }), "resolution_hours", 'field resolution_hours of outcome must be a number, got "72"'],
    ["a negative count", observation({ checks_total: -1 }), "checks_total", "field checks_total of pr_observation must be between 0 and 9007199254740991, got -1"],
    ["a fractional count", observation({ checks_total: 2.5 }), "checks_total", "field checks_total of pr_observation must be a whole number, got 2.5"],
    ["a count past 2^53", observation({ additions: 2 ** 60 }), "additions", "field additions of pr_observation must be between 0 and 9007199254740991, got 1152921504606847000"],
    ["a count as text", observation({ checks_total: "str" }), "checks_total", 'field checks_total of pr_observation must be a number, got "str"'],
    ["a boolean as a number", observation({ mergeable: 1 }), "mergeable", "field mergeable of pr_observation must be a boolean, got the number 1"],
    ["an age beyond MAX_HOURS", observation({ pr_age_hours: MAX_HOURS + 1 }), "pr_age_hours", "field pr_age_hours of pr_observation must be between 0 and 1000000, got 1000001"],
    ["an undeclared Infinity", observation({ something_new: -Infinity }), "something_new", "field something_new of pr_observation is -Infinity; only finite numbers can be stored"],
    ["the year 9999", outcome({}, new Date("9999-12-31T00:00:00Z")), "time", "the time of a outcome point is after 2262-04-11T23:47:16.854Z, the latest time InfluxDB can store"],
    ["the year 275760 (a closed_at as far as a Date goes)", outcome({}, new Date(8.64e15)), "time", "the time of a outcome point is after 2262-04-11T23:47:16.854Z, the latest time InfluxDB can store"],
    ["1 ms before InfluxDB's first", outcome({}, new Date(INFLUX_MIN_TIME_MS - 1)), "time", "the time of a outcome point is before 1677-09-21T00:12:43.146Z, the earliest time InfluxDB can store"],
    ["an invalid Date", outcome({}, new Date(NaN)), "time", "the time of a outcome point is not a valid time"],
  ])("refuses %s with a PointLimitError naming the field", (_name, point, field, message) => {
    const err = refusal(() => serializePoint(point));
    expect(err).toBeInstanceOf(PointLimitError);
    expect(err).toBeInstanceOf(InputError);
    expect([err.field, err.message]).toEqual([field, message]);
  });

  it("accepts the limits themselves, and undeclared finite numbers", () => {
    for (const point of [
      outcome({ resolution_hours: 0 }),
      outcome({ resolution_hours: MAX_HOURS }),
      outcome({}, new Date(INFLUX_MIN_TIME_MS)),
      outcome({}, new Date(INFLUX_MAX_TIME_MS)),
      observation({ checks_total: 0, additions: Number.MAX_SAFE_INTEGER, mergeable: false, custom: 1e308 }),
    ]) {
      expect(() => serializePoint(point)).not.toThrow();
    }
  });

  it("does not stop readers: a value stored before it was refused (1e308 in InfluxDB) is still exported", () => {
    const stored = outcome({ resolution_hours: 1e308 });
    const line = '{"measurement":"outcome","time":"2026-02-05T09:00:00.000Z","tags":{"repo":"a/b","pr":"1"},"fields":{"result":"escalated","resolution_hours":1e+308}}';
    expect(storedPointText(stored)).toBe(line);
    expect(rawProjection("outcome", undefined)(stored)).toBe(line);
  });

  it("Journal.write refuses the batch before touching the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "point-limits-"));
    try {
      const journal = new Journal({ dir });
      await expect(journal.write([outcome({ resolution_hours: 1 }), outcome({ resolution_hours: 1e308 })])).rejects.toBeInstanceOf(PointLimitError);
      await journal.close();
      expect(await readdir(dir).catch(() => [])).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("input checks", () => {
  it("subMillisecondProblem refuses digits past the millisecond unless they are zeros", () => {
    expect(subMillisecondProblem("2026-01-01T00:00:00.0001Z")).toMatch(/finer than a millisecond/);
    expect(subMillisecondProblem("2026-01-01T00:00:00.123456+02:00")).toMatch(/finer than a millisecond/);
    for (const ok of ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.1Z", "2026-01-01T00:00:00.123Z", "2026-01-01T00:00:00.123000Z"]) {
      expect(subMillisecondProblem(ok)).toBeUndefined();
    }
  });

  it("futureProblem allows up to maxFutureHours ahead of now", () => {
    const now = new Date("2026-02-05T09:00:00Z");
    expect(futureProblem(new Date("2026-02-06T09:00:00Z"), now, 24)).toBeUndefined();
    expect(futureProblem(new Date("2026-02-06T09:00:00.001Z"), now, 24)).toBe(
      "is more than 24 hour(s) in the future (after 2026-02-06T09:00:00.000Z); record events when they happened (MAX_FUTURE_HOURS sets the limit)",
    );
  });
});

describe("InfluxDB's time range, on a real influxd 1.6", () => {
  let influx: Influxd;
  beforeAll(async () => {
    influx = await startInfluxd();
  });
  afterAll(async () => {
    await influx?.close();
  });

  it("takes INFLUX_MIN_TIME_MS and INFLUX_MAX_TIME_MS, and refuses 1 ms beyond either", async () => {
    const store = new InfluxV1Store({ url: influx.url, database: influx.database });
    const line = (ms: number) => toLineProtocol(outcome({ resolution_hours: 1 }, new Date(ms)));
    await store.writeLines([line(INFLUX_MIN_TIME_MS), line(INFLUX_MAX_TIME_MS)]);
    expect((await influx.rows(`SELECT count("resolution_hours") FROM "outcome" WHERE time >= ${INFLUX_MIN_TIME_MS}ms AND time <= ${INFLUX_MAX_TIME_MS}ms`))[0]?.count).toBe(2);
    await expect(store.writeLines([line(INFLUX_MAX_TIME_MS + 1)])).rejects.toMatchObject({ failure: "rejected", status: 400 });
    await expect(store.writeLines([line(INFLUX_MIN_TIME_MS - 1)])).rejects.toMatchObject({ failure: "rejected", status: 400 });
  });
});
