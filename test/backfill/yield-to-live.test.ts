import { describe, expect, it } from "vitest";
import { yieldToLive } from "../../src/backfill/yield-to-live.js";

describe("yieldToLive", () => {
  it("waits while live capture has work, and goes as soon as it has none", async () => {
    let busyFor = 3;
    const waits: number[] = [];
    const gate = yieldToLive(() => busyFor-- > 0, { pollMs: 50, sleep: async (ms) => void waits.push(ms) });
    await gate();
    expect(waits).toEqual([50, 50, 50]);
    await gate();
    expect(waits).toHaveLength(3);
  });

  it("spaces requests by minGapMs", async () => {
    const waits: number[] = [];
    const gate = yieldToLive(() => false, { minGapMs: 1000, sleep: async (ms) => void waits.push(ms) });
    await gate();
    await gate().catch(() => undefined);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(900);
  });

  it("fails the request once stopped, so a shutdown does not wait for live capture to be idle", async () => {
    const abort = new AbortController();
    const gate = yieldToLive(() => true, { pollMs: 5, signal: abort.signal });
    const waiting = gate();
    abort.abort();
    await expect(waiting).rejects.toThrow(/stopped/);
  });
});
