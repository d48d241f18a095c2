import { describe, expect, it } from "vitest";
import { StoreError } from "../../src/errors.js";
import { decodeTagValue, encodeTagValue, restoreFieldValue, toLineProtocol } from "../../src/store/influx-line.js";
import { makePoint } from "../../src/store/point.js";
import { HOSTILE_STRINGS } from "../helpers/hostile-points.js";

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

describe("restoreFieldValue", () => {
  it("types values read back per the declaration", () => {
    expect(restoreFieldValue("pr_observation", "checks_total", 8)).toBe(8);
    expect(restoreFieldValue("pr_observation", "mergeable", "true")).toBe(true);
    expect(restoreFieldValue("outcome", "resolution_hours", "0.5")).toBe(0.5);
    expect(restoreFieldValue("outcome", "detail", 12)).toBe("12");
    expect(restoreFieldValue("outcome", "detail", null)).toBeUndefined();
  });
});
