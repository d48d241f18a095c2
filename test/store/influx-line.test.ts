import { Point as LinePoint } from "@influxdata/influxdb-client";
import { describe, expect, it } from "vitest";
import { StoreError } from "../../src/errors.js";
import { fieldType } from "../../src/store/field-types.js";
import { decodeTagValue, encodeTagValue, lineCount, lineProtocolBody, restoreFieldValue, toLineProtocol } from "../../src/store/influx-line.js";
import { makePoint, type Point } from "../../src/store/point.js";
import { HOSTILE_STRINGS, hostilePoints } from "../helpers/hostile-points.js";

/** The line as one client Point writes it whole (what toLineProtocol did before it cached prefixes). */
function viaOnePoint(point: Point): string | undefined {
  const line = new LinePoint(point.measurement);
  for (const [key, value] of Object.entries(point.tags)) if (value !== "") line.tag(key, encodeTagValue(value));
  for (const [key, value] of Object.entries(point.fields)) {
    const type = fieldType(point.measurement, key, value);
    if (type === "integer") line.intField(key, value);
    else if (type === "float") line.floatField(key, value);
    else if (type === "boolean") line.booleanField(key, value);
    else line.stringField(key, String(value));
  }
  return line.timestamp(point.time.getTime()).toLineProtocol();
}

describe("tag value encoding", () => {
  it("percent-encodes exactly %, newline, carriage return, tab and a last backslash", () => {
    expect(encodeTagValue("dappcore/core")).toBe("dappcore/core");
    expect(encodeTagValue("jules[bot]")).toBe("jules[bot]");
    expect(encodeTagValue("a b,c=d\"e'f\\g 🚀")).toBe("a b,c=d\"e'f\\g 🚀");
    expect(encodeTagValue("ends\\")).toBe("ends%5C");
    expect(encodeTagValue("ends\\\\")).toBe("ends\\%5C");
    expect(encodeTagValue("a\nb\rc\td")).toBe("a%0Ab%0Dc%09d");
    expect(encodeTagValue("100%")).toBe("100%25");
    expect(encodeTagValue("%5C")).toBe("%255C");
  });

  it("is reversed exactly by decodeTagValue, for every hostile string", () => {
    for (const s of [...HOSTILE_STRINGS, "%5C", "%%0A", "\\%25\\"]) expect(decodeTagValue(encodeTagValue(s))).toBe(s);
  });
});

describe("toLineProtocol", () => {
  it("writes each field with its declared type, tags sorted and escaped by the client's Point, time in ms", () => {
    const point = makePoint(
      "pr_observation",
      new Date("2024-02-05T09:00:00.000Z"),
      { repo: "dappcore/core", pr: "315", author: "a b,c=d" },
      { merge_state: "CLEAN", mergeable: true, is_draft: false, checks_total: 8, pr_age_hours: 48, head_sha: 'say "hi"\nnow\\' },
    );
    expect(toLineProtocol(point)).toMatchInlineSnapshot(
      `"pr_observation,author=a\\ b\\,c\\=d,pr=315,repo=dappcore/core checks_total=8i,head_sha="say \\"hi\\"\nnow\\\\",is_draft=F,merge_state="CLEAN",mergeable=T,pr_age_hours=48i 1707123600000"`,
    );
    expect(toLineProtocol(makePoint("outcome", new Date(5), { repo: "r/x" }, { result: "success", resolution_hours: 2 }))).toBe(
      'outcome,repo=r/x resolution_hours=2,result="success" 5',
    );
  });

  it("leaves out empty tag values (InfluxDB cannot store them) and encodes a trailing backslash", () => {
    expect(toLineProtocol(makePoint("action_taken", new Date(1), { repo: "r/x", author: "", pr: "x\\" }, { action: "wait" }))).toBe(
      'action_taken,pr=x%5C,repo=r/x action="wait" 1',
    );
  });

  it("refuses a value that does not fit its declared type, and a point without fields", () => {
    expect(() => toLineProtocol(makePoint("pr_observation", new Date(1), {}, { checks_total: 1.5 }))).toThrow(
      new StoreError('field "checks_total" of pr_observation is declared integer: expected a whole number, got 1.5'),
    );
    expect(() => toLineProtocol(makePoint("pr_observation", new Date(1), {}, { mergeable: "yes" }))).toThrow(/declared boolean/);
    expect(() => toLineProtocol(makePoint("outcome", new Date(1), { repo: "r" }, {}))).toThrow(/has no fields; InfluxDB needs at least one/);
  });

  it("an undeclared number is a float, so 2 and 2.5 never conflict", () => {
    expect(toLineProtocol(makePoint("custom", new Date(1), {}, { n: 2 }))).toBe("custom n=2 1");
  });
});

describe("toLineProtocol with remembered series prefixes and field names", () => {
  const hostile = [...HOSTILE_STRINGS, "", "=", ",", " ", "\\", "a\\ b", "ends with space ", "\u00e9\u0301", "😀=,"];

  it("writes byte for byte what one client Point per line writes, for hostile measurements, tag keys and values, field names and values", () => {
    const points: Point[] = [...hostilePoints()];
    hostile.forEach((s, i) => {
      if (s !== "") points.push(makePoint(`m ${s}`, new Date(i), { [s || "k"]: s || "v", [`t${s}`]: `v${s}`, plain: "x" }, { [`f ${s}`]: `v ${s}`, n: i }));
      points.push(makePoint("custom", new Date(i), { repo: s, other: `${s}\\` }, { [s === "" ? "ok" : s]: s, flag: i % 2 === 0, count: i + 0.5 }));
    });
    // Twice: the second pass is served from the caches.
    for (let pass = 0; pass < 2; pass++) {
      for (const point of points) expect(toLineProtocol(point)).toBe(viaOnePoint(point));
    }
  });

  it("gives each series its own prefix: same tags in another order share it, a different value never does", () => {
    const a = makePoint("outcome", new Date(1), { repo: "r/x", pr: "1" }, { result: "success" });
    const b = makePoint("outcome", new Date(2), { pr: "1", repo: "r/x" }, { result: "failure" });
    const c = makePoint("outcome", new Date(3), { repo: "r/x", pr: "1 " }, { result: "success" });
    const d = makePoint("outcome", new Date(4), { repo: "r/x", pr: "1", extra: "" }, { result: "success" });
    expect(toLineProtocol(a)).toBe('outcome,pr=1,repo=r/x result="success" 1');
    expect(toLineProtocol(b)).toBe('outcome,pr=1,repo=r/x result="failure" 2');
    expect(toLineProtocol(c)).toBe('outcome,pr=1\\ ,repo=r/x result="success" 3');
    expect(toLineProtocol(d)).toBe('outcome,pr=1,repo=r/x result="success" 4');
    for (const p of [a, b, c, d]) expect(toLineProtocol(p)).toBe(viaOnePoint(p));
  });

  it("stays exact past the cache limit (10,000 series)", () => {
    for (let i = 0; i < 10_050; i++) {
      const point = makePoint("outcome", new Date(i), { repo: `r/${i}`, pr: "a b" }, { result: `r${i}` });
      const line = toLineProtocol(point);
      if (i % 997 === 0 || i >= 9_990) expect(line).toBe(viaOnePoint(point));
    }
    const first = makePoint("outcome", new Date(7), { repo: "r/0", pr: "a b" }, { result: "again" });
    expect(toLineProtocol(first)).toBe(viaOnePoint(first));
  });

  it("refuses a point with an empty measurement like a point without fields", () => {
    expect(() => toLineProtocol(makePoint("", new Date(1), {}, { n: 1 }))).toThrow(/has no fields/);
    expect(viaOnePoint(makePoint("", new Date(1), {}, { n: 1 }))).toBeUndefined();
  });
});

describe("lineCount and lineProtocolBody", () => {
  it("counts the lines in elements that hold several lines, and encodes each element and a newline as UTF-8", () => {
    expect(lineCount([])).toBe(0);
    expect(lineCount(["m f=1 1"])).toBe(1);
    expect(lineCount(["m f=1 1\nm f=2 2\nm f=3 3", "m f=4 4"])).toBe(4);
    const lines = ['m,t=🚀 f="a\\"b" 1\nm f=2 2', "m f=ü 3"];
    expect(lineProtocolBody(lines).toString("utf8")).toBe(lines.join("\n") + "\n");
    expect(lineProtocolBody(lines).equals(Buffer.from(lines.join("\n") + "\n", "utf8"))).toBe(true);
  });
});

describe("restoreFieldValue", () => {
  it("types values read back per the declaration", () => {
    expect(restoreFieldValue("pr_observation", "checks_total", 8)).toBe(8);
    expect(restoreFieldValue("pr_observation", "mergeable", "true")).toBe(true);
    expect(restoreFieldValue("outcome", "resolution_hours", "0.5")).toBe(0.5);
    expect(restoreFieldValue("outcome", "detail", 12)).toBe("12");
    expect(restoreFieldValue("outcome", "detail", null)).toBeUndefined();
  });
});
