import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
/** V8's full garbage collection, made callable without starting node with --expose-gc. */
const gc = runInNewContext("gc") as () => void;

/**
 * Counts the objects still alive among those `track` registered: a full GC (twice, with a turn of
 * the event loop between, so finalizable objects are really gone) and then WeakRef.deref().
 * Tests use it to assert what a component retains, deterministically, instead of measuring RSS.
 */
export function liveObjects(): { track(o: object): void; alive(): Promise<number>; aliveIndexes(): number[] } {
  const refs: WeakRef<object>[] = [];
  return {
    track: (o) => void refs.push(new WeakRef(o)),
    async alive() {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((r) => setImmediate(r));
      }
      return refs.filter((r) => r.deref() !== undefined).length;
    },
    aliveIndexes: () => refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i])),
  };
}
