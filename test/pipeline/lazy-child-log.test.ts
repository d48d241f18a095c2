import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import { lazyChildLog } from "../../src/pipeline/lazy-child-log.js";
import { recordingLog } from "../helpers/silent-log.js";

describe("lazyChildLog", () => {
  it("logs exactly as parent.child(bindings) does", () => {
    const { log, entries } = recordingLog();
    lazyChildLog(log, { delivery: "d-1", repo: "o/r" }).warn({ pr: 3 }, "something");
    log.child({ delivery: "d-1", repo: "o/r" }).warn({ pr: 3 }, "something");
    const [lazy, eager] = entries.map(({ time: _t, ...rest }) => rest);
    expect(lazy).toEqual(eager);
    expect(lazy).toMatchObject({ delivery: "d-1", repo: "o/r", pr: 3, msg: "something" });
  });

  it("makes no child until a level the parent logs is used", () => {
    const entries: unknown[] = [];
    const parent = pino({ level: "warn" }, { write: (line: string) => entries.push(JSON.parse(line)) });
    const child = vi.spyOn(parent, "child");
    const log = lazyChildLog(parent, { delivery: "d-1" });
    log.debug("not logged");
    log.info({ x: 1 }, "not logged either");
    expect(child).not.toHaveBeenCalled();
    log.error("logged");
    log.warn("logged too");
    expect(child).toHaveBeenCalledTimes(1);
    expect(entries).toMatchObject([
      { delivery: "d-1", msg: "logged" },
      { delivery: "d-1", msg: "logged too" },
    ]);
  });
});
