import { execFileSync } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCliProcess } from "../helpers/app-process.js";
import type { FakePullRequest, WebhookDelivery } from "../helpers/fake-github/index.js";
import { startE2e, type E2e } from "./e2e-harness.js";

// The disk fills up under the running app: a write cut short half way (ENOSPC) leaves a partial
// line at the end of the delivery log. Deliveries the app could not record are refused (5xx, so
// GitHub redelivers); once the disk has room again, every delivery the app acknowledges must be
// observed, even across a kill -9 before its observation was written: no later record may be
// glued to the partial line (before the fix, the first record after the disk was freed was, and
// that delivery was never observed after the restart).
//
// Where the tests run as root, DATA_DIR is a real 256 KiB tmpfs filled with a file; elsewhere (or
// when mount fails) the app is started with an injected ENOSPC (test/helpers/disk-full-preload.ts).

const mountPoint = await mkdtemp(join(tmpdir(), "pr-telemetry-tinyfs-"));
const mounted = tryMount(mountPoint);
const variant = mounted ? "a real 256 KiB tmpfs that fills up" : "an injected ENOSPC (not root, or mount failed)";

function tryMount(dir: string): boolean {
  // E2E_DISK_FULL=injected runs the fallback where a mount would work (to check the fallback).
  if (process.getuid?.() !== 0 || process.env.E2E_DISK_FULL === "injected") return false;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Fills the tiny filesystem: writes a file until ENOSPC. */
function fillDisk(path: string): void {
  const fd = openSync(path, "w");
  const block = Buffer.alloc(4096, 120);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
  // And the last bytes a page could still take.
  const tail = openSync(path, "a");
  try {
    for (;;) writeSync(tail, Buffer.alloc(1, 120));
  } catch {
    // full
  } finally {
    closeSync(tail);
  }
}

describe(`disk full (${variant})`, () => {
  let e: E2e;
  let flag: string;
  const filler = join(mountPoint, "filler");
  beforeAll(async () => {
    flag = join(await mkdtemp(join(tmpdir(), "disk-full-flag-")), "free-bytes");
    const injected = mounted
      ? {}
      : {
          entry: ["--import", join(ROOT, "test/helpers/disk-full-preload.mjs"), "--import", "tsx", join(ROOT, "src/main.ts")],
          env: { DISK_FULL_FLAG: flag },
        };
    // A long coalescing window: at the kill, acknowledged deliveries are still waiting to be observed.
    e = await startE2e({ env: { DEBOUNCE_MS: "5000", ...(injected.env ?? {}) }, app: { dataDir: join(mountPoint, "data"), ...(injected.entry ? { entry: injected.entry } : {}) } });
  }, 60_000);
  afterAll(async () => {
    await e?.close();
    if (mounted) {
      try {
        execFileSync("umount", [mountPoint], { stdio: "ignore" });
      } catch {
        execFileSync("umount", ["-l", mountPoint], { stdio: "ignore" });
      }
    }
    await rm(mountPoint, { recursive: true, force: true });
  });

  it("refuses what it cannot record, glues nothing to a torn line, and observes every acknowledged delivery and recorded action after a restart", async () => {
    const m = e.gh.model;
    const repo = m.addRepo("acme/full-disk");
    const prs: FakePullRequest[] = [];
    const open = () => {
      const pr = m.openPullRequest(repo, { author: "jules[bot]", title: `disk full ${prs.length}` });
      prs.push(pr);
      return pr;
    };
    const acked = new Set<FakePullRequest>();
    const send = async (pr: FakePullRequest, d: WebhookDelivery) => {
      const r = await e.sender.send(d);
      if (r.status === 200) acked.add(pr);
      return r.status;
    };

    // Room on the disk: recorded and observed.
    const first = open();
    expect(await send(first, e.payloads.pullRequest(first, "opened"))).toBe(200);
    await e.waitForTruth(first);

    // The disk fills up. Deliveries come in until one is refused and the delivery log is left
    // with a partial last line (a write cut short), which is what glued the next record before.
    if (mounted) fillDisk(filler);
    else await writeFile(flag, "600");
    const deliveriesDir = join(e.app.dataDir, "deliveries");
    const logText = async () => (await Promise.all((await readdir(deliveriesDir)).sort().map((n) => readFile(join(deliveriesDir, n), "utf8")))).join("");
    const statusesWhileFull: number[] = [];
    for (let i = 0; i < 40; i++) {
      const pr = open();
      statusesWhileFull.push(await send(pr, e.payloads.pullRequest(pr, "opened")));
      if (statusesWhileFull.at(-1)! >= 500 && !(await logText()).endsWith("\n")) break;
    }
    expect(statusesWhileFull.filter((s) => s >= 500).length, `answers while the disk was full: ${statusesWhileFull.join(",")}`).toBeGreaterThan(0);
    expect((await logText()).endsWith("\n"), "the delivery log was left with a partial last line").toBe(false);
    // The CLI, another process appending to the same journal file, cannot record either.
    const recordAction = (reason: string) =>
      runCliProcess(["record-action", "--repo", repo.fullName, "--pr", String(first.number), "--action", "request_review_fix", "--reason", reason], {
        githubHost: e.gh.host,
        dataDir: e.app.dataDir,
        env: mounted ? {} : { NODE_OPTIONS: `--import=${join(ROOT, "test/helpers/disk-full-preload.mjs")}`, DISK_FULL_FLAG: flag },
      });
    if (!mounted) await writeFile(flag, "90"); // room for part of the action's line
    // On the real tmpfs the last page of the journal file may still have room for a line (what
    // the app wrote before decides): then the CLI records it, and it must be there in the end.
    const whileFull = await recordAction("while the disk was full");
    if (whileFull.code !== 0) expect(whileFull.stderr).toMatch(/ENOSPC/);
    else expect(mounted, "the injected disk leaves room for part of a line only").toBe(true);

    // Room again: the next deliveries are acknowledged, then the process dies before observing them.
    if (mounted) await unlink(filler);
    else await unlink(flag);
    const recorded = await recordAction("after the disk was freed");
    expect(recorded.code, recorded.stderr).toBe(0);
    const afterFreed: FakePullRequest[] = [];
    for (let i = 0; i < 3; i++) {
      const pr = open();
      afterFreed.push(pr);
      expect(await send(pr, e.payloads.pullRequest(pr, "opened"))).toBe(200);
    }
    await e.app.kill9();
    const observedBefore = new Set((await e.points()).filter((p) => p.measurement === "pr_observation").map((p) => p.tags.pr));
    expect(afterFreed.filter((pr) => !observedBefore.has(String(pr.number))).length, "the kill caught acknowledged deliveries unobserved").toBeGreaterThan(0);

    await e.restart();
    for (const pr of acked) await e.waitForTruth(pr, { since: new Date(0), timeoutMs: 30_000 });
    const actions = (await e.points()).filter((p) => p.measurement === "action_taken" && p.fields.source === "cli");
    expect(actions.map((p) => p.fields.reason)).toEqual([...(whileFull.code === 0 ? ["while the disk was full"] : []), "after the disk was freed"]);

    // No line anywhere holds two records (a record glued to a partial one); the partial line is
    // a line of its own, set aside under DATA_DIR/torn and logged.
    for (const sub of ["deliveries", "journal"]) {
      const dir = join(e.app.dataDir, sub);
      for (const name of await readdir(dir)) {
        const text = await readFile(join(dir, name), "utf8");
        expect(text.endsWith("\n"), `${sub}/${name} ends with a newline`).toBe(true);
        for (const line of text.split("\n")) expect(line.indexOf('{"measurement":', 1), `${sub}/${name}: ${line.slice(0, 120)}`).toBe(-1);
      }
    }
    const torn = await readdir(join(e.app.dataDir, "torn", "deliveries")).catch(() => []);
    expect(torn.length + e.app.output.filter((l) => l.includes("partial line")).length).toBeGreaterThan(0);
  }, 120_000);
});
