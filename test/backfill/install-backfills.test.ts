import { describe, expect, it } from "vitest";
import { InstallBackfills } from "../../src/backfill/install-backfills.js";
import { loadConfig } from "../../src/config.js";
import { silentLog } from "../helpers/silent-log.js";

function backfills(days: string, auth: (id: number) => Promise<never>) {
  const runtime = { config: loadConfig({ BACKFILL_ON_INSTALL_DAYS: days }), log: silentLog(), store: {} as never, repoConfigs: {} as never };
  return new InstallBackfills({ runtime, auth, busy: () => false });
}

describe("InstallBackfills", () => {
  it("starts nothing when BACKFILL_ON_INSTALL_DAYS is 0", async () => {
    let asked = 0;
    const b = backfills("0", async () => {
      asked++;
      throw new Error("no");
    });
    b.start(1, ["acme/a"]);
    expect(b.pending).toBe(0);
    await b.stop(100);
    expect(asked).toBe(0);
  });

  it("runs one backfill at a time; a failure (here: no token) is logged, not thrown; a stop drops what is queued", async () => {
    const order: number[] = [];
    const b = backfills("30", async (id) => {
      order.push(id);
      await new Promise((r) => setTimeout(r, 20));
      throw new Error("installation token refused");
    });
    b.start(1, ["acme/a"]);
    b.start(2, ["acme/b"]);
    expect(b.pending).toBe(2);
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([1]);
    await b.stop(1000);
    expect(order).toEqual([1]);
    expect(b.pending).toBe(0);
  });
});
