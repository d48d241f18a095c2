import { describe, expect, it } from "vitest";
import { sortedFields } from "../../src/dataset/build-examples.js";

describe("sortedFields", () => {
  it("orders keys whatever the previous call's keys were", () => {
    const calls: Array<Record<string, string | number | boolean>> = [{ b: 1, a: 2 }, { b: 1, a: 2 }, { c: true, a: "x", b: 3 }, { b: 1, a: 2 }, { a: 1, b: 2, c: 3, d: 4 }, {}];
    for (const fields of calls) {
      const out = sortedFields(fields);
      expect(Object.keys(out)).toEqual(Object.keys(fields).sort());
      expect(out).toEqual(fields);
    }
  });
});
