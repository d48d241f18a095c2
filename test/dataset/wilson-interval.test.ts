import { describe, expect, it } from "vitest";
import { wilsonInterval } from "../../src/dataset/wilson-interval.js";

describe("wilsonInterval", () => {
  // Reference values: R's prop.test(x, n, correct = FALSE)$conf.int and Wilson (1927), worked by hand.
  it.each([
    [0, 10, 0, 0.2775328],
    [10, 10, 0.7224672, 1],
    [5, 10, 0.2365931, 0.7634069],
    [1, 1, 0.2065493, 1],
    [81, 263, 0.2553, 0.3662],
  ])("%i of %i is [%f, %f]", (successes, trials, low, high) => {
    const interval = wilsonInterval(successes, trials)!;
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it("is null without trials and refuses impossible counts", () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });

  it("narrows as the sample grows, around the same rate", () => {
    const small = wilsonInterval(3, 4)!;
    const large = wilsonInterval(300, 400)!;
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(large.low).toBeLessThan(0.75);
    expect(large.high).toBeGreaterThan(0.75);
  });
});
