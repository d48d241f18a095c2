import { describe, expect, it } from "vitest";
import { RepoConfigCache } from "../../src/repo-config/repo-config-cache.js";
import { recordingLog, silentLog } from "../helpers/silent-log.js";

describe("RepoConfigCache", () => {
  it("reads a repository's config once per TTL, concurrent misses sharing one read", async () => {
    let now = 0;
    let reads = 0;
    const cache = new RepoConfigCache(300_000, () => now);
    const read = async () => {
      reads++;
      return { enabled: false, orchestrators: ["bot[bot]"] };
    };
    const all = await Promise.all(Array.from({ length: 40 }, () => cache.get("o/r", read, silentLog())));
    expect(reads).toBe(1);
    expect(all[0]).toEqual({ enabled: false, orchestrators: ["bot[bot]"] });
    now = 299_999;
    await cache.get("o/r", read, silentLog());
    expect(reads).toBe(1);
    now = 300_000;
    await cache.get("o/r", read, silentLog());
    expect(reads).toBe(2);
  });

  it("answers cached() synchronously only while the value is fresh", async () => {
    let now = 0;
    const cache = new RepoConfigCache(1000, () => now);
    expect(cache.cached("o/r")).toBeUndefined();
    await cache.get("o/r", async () => ({ enabled: false }), silentLog());
    expect(cache.cached("o/r")).toMatchObject({ enabled: false });
    now = 1000;
    expect(cache.cached("o/r")).toBeUndefined();
  });

  it("uses the defaults for a missing file and ignores an invalid one, saying which keys are wrong", async () => {
    const cache = new RepoConfigCache(1000);
    expect(await cache.get("o/missing", async () => null, silentLog())).toEqual({ enabled: true, orchestrators: [] });
    const { log, entries } = recordingLog();
    expect(await cache.get("o/bad", async () => ({ enabled: "nope" }), log)).toEqual({ enabled: true, orchestrators: [] });
    expect(entries[0]).toMatchObject({ repo: "o/bad", problems: [expect.stringContaining("enabled")] });
  });

  it("keeps the last good settings when GitHub fails, and retries after a short while", async () => {
    let now = 0;
    const cache = new RepoConfigCache(1000, () => now);
    await cache.get("o/r", async () => ({ enabled: false }), silentLog());
    now = 2000;
    let reads = 0;
    const failing = async () => {
      reads++;
      throw new Error("HTTP 502");
    };
    expect((await cache.get("o/r", failing, silentLog())).enabled).toBe(false);
    expect((await cache.get("o/r", failing, silentLog())).enabled).toBe(false);
    expect(reads).toBe(1);
    now = 2000 + 1000;
    await cache.get("o/r", failing, silentLog());
    expect(reads).toBe(2);
  });
});
