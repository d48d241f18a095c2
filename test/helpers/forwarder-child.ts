/**
 * A forwarder in a process of its own, for the kill -9 test:
 *   node --import tsx test/helpers/forwarder-child.ts <journalDir> <dataDir> <influxUrl> <database> <maxBatchLines> [pauseAfterAcceptMs] [requestsInFlight]
 * Ships the journal to InfluxDB 1.x. After InfluxDB accepted each batch it prints
 * `accepted <lines>` and, with pauseAfterAcceptMs, waits that long before the forwarder records
 * its checkpoint (a window for the test to kill it between the write and the checkpoint); with
 * `stdin` instead of a number, it waits for a line on stdin, so a test that kills it at a given
 * batch does so while it waits, however slowly the machine runs.
 * Prints `drained` and exits 0 once nothing is left.
 */
import { createInterface } from "node:readline";
import { pino } from "pino";
import { Forwarder } from "../../src/store/forwarder.js";
import { lineCount } from "../../src/store/influx-line.js";
import { InfluxV1Store } from "../../src/store/influx-v1-store.js";

const [journalDir, dataDir, url, database, maxBatch, pause, inFlight] = process.argv.slice(2);
const waiting: Array<() => void> = [];
if (pause === "stdin") createInterface({ input: process.stdin }).on("line", () => waiting.shift()?.());
const nextLine = () => new Promise<void>((resolve) => waiting.push(resolve));
const inner = new InfluxV1Store({ url: url!, database: database! });
const influx = Object.assign(Object.create(inner) as InfluxV1Store, {
  async writeLines(lines: string[]) {
    await inner.writeLines(lines);
    process.stdout.write(`accepted ${lineCount(lines)}\n`);
    if (pause === "stdin") await nextLine();
    else if (pause) await new Promise((r) => setTimeout(r, Number(pause)));
  },
});
const forwarder = new Forwarder({ journalDir: journalDir!, dataDir: dataDir!, influx, log: pino({ level: "silent" }), maxBatchLines: Number(maxBatch), requestsInFlight: inFlight === "1" ? 1 : 2 });
forwarder.start();
for (;;) {
  await new Promise((r) => setTimeout(r, 50));
  if ((await forwarder.backlog()) === 0) break;
}
await forwarder.close();
process.stdout.write("drained\n");
