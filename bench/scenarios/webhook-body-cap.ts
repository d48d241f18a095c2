import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { appCredentials, freePort, ROOT, startApp, type AppProcess } from "../../test/helpers/app-process.js";
import type { WebhookDelivery } from "../../test/helpers/fake-github/index.js";
import { webhookExample } from "../../test/helpers/webhook-examples.js";
import { WebhookSender } from "../../test/helpers/webhook-sender.js";
import { figure, median, type BenchFigure, type BenchScenario } from "../scenario.js";

const CONCURRENCY = 8;

/** user + system CPU of a process so far, in ms (/proc; USER_HZ is 100). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * What the webhook body cap (read the body with a 25 MB limit before handing it to
 * Probot's middleware) costs the acknowledgement path: two Probot apps that only acknowledge,
 * started with Probot's `run`, one with the cap (bench/capped-probot-app.ts) and one without
 * (bench/bare-probot-app.ts), given the same signed deliveries in alternating rounds.
 */
export const webhookBodyCap: BenchScenario = {
  name: "webhook-body-cap",
  issue: 10,
  async run({ quick }) {
    const rounds = quick ? 3 : 7;
    const perRound = quick ? 400 : 1500;
    const creds = appCredentials();
    // Real payload sizes (the pull_request examples are 20-30 KB).
    const deliveries = (n: number, tag: string): WebhookDelivery[] =>
      Array.from({ length: n }, (_, i) => ({ name: "pull_request", id: `${tag}-${i}`, payload: webhookExample("pull_request", i % 2 ? "synchronize" : "labeled") }));
    let bare: AppProcess | undefined;
    let capped: AppProcess | undefined;
    try {
      // Neither app calls GitHub: any host will do.
      const githubHost = `127.0.0.1:${await freePort()}`;
      bare = await startApp({ githubHost, entry: "bare" });
      capped = await startApp({ githubHost, entry: ["--import", "tsx", join(ROOT, "bench/capped-probot-app.ts")], readyPath: "/ping" });
      const apps = { bare, capped };
      const senders = { bare: new WebhookSender({ appUrl: bare.url, secret: creds.secret }), capped: new WebhookSender({ appUrl: capped.url, secret: creds.secret }) };
      const results = { bare: [] as Array<{ rate: number; cpu: number; failures: number }>, capped: [] as Array<{ rate: number; cpu: number; failures: number }> };
      // Signed once, before the rounds: signing between rounds left the keep-alive sockets idle
      // for about Node's keepAliveTimeout (5 s) on a loaded machine, and a request sent on a socket
      // the server was closing failed with "socket hang up". Both apps have the same secret.
      const prepared = await Promise.all(deliveries(perRound, "d").map((d) => senders.bare.prepare(d)));
      for (let i = -1; i < rounds; i++) {
        const order: Array<"bare" | "capped"> = i % 2 === 0 ? ["bare", "capped"] : ["capped", "bare"];
        for (const side of order) {
          const cpuBefore = cpuMs(apps[side].child.pid);
          const started = performance.now();
          const answers = await senders[side].sendAll(i < 0 ? prepared.slice(0, 200) : prepared, CONCURRENCY);
          const seconds = (performance.now() - started) / 1000;
          const ok = answers.filter((r) => r.status >= 200 && r.status < 300).length;
          // Round -1 warms up (JIT, keep-alive sockets) and is not counted.
          if (i >= 0) results[side].push({ rate: ok / seconds, cpu: (cpuMs(apps[side].child.pid) - cpuBefore) / answers.length, failures: answers.length - ok });
        }
      }
      for (const s of Object.values(senders)) s.close();
      const ratios = results.capped.map((r, i) => r.rate / results.bare[i]!.rate);
      const cpuRatio = median(results.capped.map((r) => r.cpu)) / median(results.bare.map((r) => r.cpu));
      const failures = [...results.bare, ...results.capped].reduce((n, r) => n + r.failures, 0);
      const figures: BenchFigure[] = [
        figure("acks/s (Probot + body cap)", "acks/s", results.capped.map((r) => r.rate), {
          baseline: { name: "bare Probot", median: median(results.bare.map((r) => r.rate)) },
          ratio: median(ratios),
          target: ">= 0.95x bare Probot",
          met: median(ratios) >= 0.95 && failures === 0,
          note: `${perRound} signed pull_request deliveries (20-30 KB) per round, ${CONCURRENCY} in flight; ratio = median of per-round paired ratios [${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}]${failures ? `; ${failures} NOT acknowledged` : ""}`,
        }),
        figure("CPU per delivery (Probot + body cap)", "ms", results.capped.map((r) => r.cpu), {
          baseline: { name: "bare Probot", median: median(results.bare.map((r) => r.cpu)) },
          ratio: cpuRatio,
          note: "user + system CPU of the app process during a round (/proc) per delivery",
        }),
      ];
      return figures;
    } finally {
      for (const app of [bare, capped]) {
        await app?.stop();
        if (app) await rm(app.dataDir, { recursive: true, force: true });
      }
    }
  },
};
