import { isDeepStrictEqual } from "node:util";
import type { Point } from "../../src/store/point.js";
import { appCredentials, startApp, type AppProcess, type StartAppOptions } from "../helpers/app-process.js";
import { expectedSignals, startFakeGitHub, WebhookPayloads, type FakeGitHub, type FakePullRequest, type WebhookDelivery } from "../helpers/fake-github/index.js";
import { journalPoints, observationsOf, waitForJournal } from "../helpers/journal-points.js";
import { WebhookSender, type DeliveryResult } from "../helpers/webhook-sender.js";

/** Settings that keep end-to-end tests quick: short coalescing window and backoffs, frequent fsync. */
export const FAST_ENV: Record<string, string> = {
  DEBOUNCE_MS: "300",
  MERGEABLE_RETRIES: "4",
  MERGEABLE_BACKOFF_MS: "100",
  FLUSH_INTERVAL_MS: "50",
  SHUTDOWN_GRACE_MS: "10000",
  SWEEP_INTERVAL_MINUTES: "0",
};

/** The fake GitHub, the real app as a child process, and a signing webhook sender, wired together. */
export interface E2e {
  gh: FakeGitHub;
  app: AppProcess;
  sender: WebhookSender;
  payloads: WebhookPayloads;
  /** Sends deliveries one after the other; fails the test on any non-2xx answer. */
  deliver(...deliveries: WebhookDelivery[]): Promise<DeliveryResult[]>;
  /**
   * Waits until the PR's newest observation shows the model's truth and was made after the last
   * deliver() began (so a stale observation that happens to agree does not count); returns it.
   */
  waitForTruth(pr: FakePullRequest, options?: { timeoutMs?: number; since?: Date }): Promise<Point>;
  /** Every point in the app's journal. */
  points(): Promise<Point[]>;
  /** Restarts the app on the same DATA_DIR and port (after a stop or a kill). */
  restart(): Promise<AppProcess>;
  close(): Promise<void>;
}

/** The newest observation of a PR: latest time, then latest in journal order. */
export function newestObservation(points: Point[], pr: FakePullRequest): Point | undefined {
  const obs = observationsOf(points, pr.repo.fullName, pr.number);
  let newest: Point | undefined;
  for (const p of obs) if (!newest || p.time.getTime() >= newest.time.getTime()) newest = p;
  return newest;
}

/** The fields where an observation differs from the model's truth (empty when it agrees). */
export function truthDiff(gh: FakeGitHub, pr: FakePullRequest, obs: Point | undefined): string[] {
  if (!obs) return ["no observation"];
  const truth = expectedSignals(gh.model, pr);
  const diffs: string[] = [];
  for (const [k, v] of Object.entries(truth.tags)) if (obs.tags[k] !== v) diffs.push(`tag ${k}: ${JSON.stringify(obs.tags[k])} != ${JSON.stringify(v)}`);
  for (const [k, v] of Object.entries(truth.fields)) if (!isDeepStrictEqual(obs.fields[k], v)) diffs.push(`${k}: ${JSON.stringify(obs.fields[k])} != ${JSON.stringify(v)}`);
  for (const k of ["mergeable", "review_decision"]) {
    if (!(k in truth.fields) && k in obs.fields) diffs.push(`${k}: ${JSON.stringify(obs.fields[k])} recorded, but GitHub does not know it`);
  }
  return diffs;
}

export async function startE2e(options: { env?: Record<string, string>; app?: Partial<StartAppOptions> } = {}): Promise<E2e> {
  const creds = appCredentials();
  const gh = await startFakeGitHub({ appId: creds.appId, appPublicKey: creds.publicKey });
  const env = { ...FAST_ENV, ...options.env };
  let app = await startApp({ githubHost: gh.host, env, ...options.app });
  let sender = new WebhookSender({ appUrl: app.url, secret: creds.secret });
  const payloads = new WebhookPayloads(gh.model);
  let lastDeliver = new Date(0);
  const e2e: E2e = {
    gh,
    get app() {
      return app;
    },
    get sender() {
      return sender;
    },
    payloads,
    async deliver(...deliveries) {
      lastDeliver = new Date();
      const results: DeliveryResult[] = [];
      for (const d of deliveries) {
        const r = await sender.send(d);
        if (r.status < 200 || r.status >= 300) throw new Error(`the app answered ${r.status} to ${d.name} ${d.id}: ${r.body}\n${app.output.slice(-20).join("\n")}`);
        results.push(r);
      }
      return results;
    },
    async waitForTruth(pr, { timeoutMs = 15_000, since = lastDeliver } = {}) {
      let last: string[] = [];
      try {
        const { value } = await waitForJournal(
          app.dataDir,
          (points) => {
            const obs = newestObservation(points, pr);
            last = obs && obs.time < since ? [`no observation since ${since.toISOString()} (newest: ${obs.time.toISOString()})`] : truthDiff(gh, pr, obs);
            return last.length === 0 ? obs : undefined;
          },
          { timeoutMs },
        );
        return value;
      } catch {
        throw new Error(`PR ${pr.repo.fullName}#${pr.number}: the newest observation does not show the model's truth: ${last.join("; ")}\napp output:\n${app.output.slice(-30).join("\n")}`);
      }
    },
    async points() {
      return (await journalPoints(app.dataDir)).points;
    },
    async restart() {
      sender.close();
      app = await startApp({ githubHost: gh.host, env, ...options.app, dataDir: app.dataDir, port: app.port });
      sender = new WebhookSender({ appUrl: app.url, secret: creds.secret });
      return app;
    },
    async close() {
      sender.close();
      await app.stop();
      await gh.close();
    },
  };
  return e2e;
}
