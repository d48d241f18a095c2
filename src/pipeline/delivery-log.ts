import { readdir, rm } from "node:fs/promises";
import type { Logger } from "probot";
import { Journal, journalFileName, type SkippedLine } from "../store/journal.js";
import { readPoints } from "../store/read-points.js";
import { skippedMessage, tornMessage } from "../store/journal-damage.js";
import { makePoint, type Point } from "../store/point.js";
import { prKey, type ObservedMark } from "./observer.js";

/**
 * Deliveries handled up to a number: an observation written (ObservedMark), or nothing to observe
 * (repository disabled, no open PR has the commit). Without a PR number only `commits` count.
 */
export type DoneMark = Omit<ObservedMark, "number"> & { number?: number | undefined };

/** What the app took on when it acknowledged a delivery. */
export interface DeliveryRecord {
  id: string;
  /** e.g. "check_run.completed" */
  trigger: string;
  installationId: number | undefined;
  owner: string;
  repo: string;
  /** The PRs named by the payload; empty when they must be found from `sha`. */
  prs: number[];
  sha?: string | undefined;
  /**
   * Set by accept(): the delivery's place in the order of acceptance, increasing across restarts.
   * An observation marks every delivery of its PR up to a number as done (see observed()).
   */
  seq?: number | undefined;
}

/**
 * What a delivery must produce besides its observation (an outcome, an inferred action) when
 * producing it waits on GitHub (the repository's settings, a commit): held here before that
 * wait, so a crash while GitHub is slow (Probot answers 202 after 9 s, and GitHub never
 * redelivers) loses nothing; resumed at the next start like an unobserved delivery.
 */
export interface HeldRecord {
  /** `<delivery id>:<kind>`: one delivery can hold an outcome and an action. */
  id: string;
  kind: "outcome" | "action";
  installationId: number | undefined;
  owner: string;
  repo: string;
  /** What the kind needs to produce its points (JSON), e.g. the outcome point. */
  input: string;
}

const ACCEPTED = "delivery_accepted";
const HELD = "delivery_held";
const DONE = "delivery_done";
/** How many delivery ids are remembered for deduplication. */
const MAX_REMEMBERED = 200_000;
/** Days of delivery records kept (today and yesterday are read at start). */
const KEEP_DAYS = 2;

/**
 * The app's write-ahead log of deliveries, in its own journal (DATA_DIR/deliveries, never
 * forwarded to InfluxDB). A delivery is appended before it is acknowledged and marked done once
 * its observation is written. It gives two things:
 * - deduplication: a redelivered X-GitHub-Delivery is recognised, even after a restart;
 * - recovery: deliveries acknowledged but not observed when the process died (kill -9, OOM) are
 *   observed again at the next start.
 * Observations are marked with watermarks (observed()): "PR o/r#n observed after delivery number
 * S was accepted" marks every delivery that named that PR with a number up to S, so nothing in
 * memory holds one id per delivery while a PR waits for GitHub.
 */
export class DeliveryLog {
  #journal: Journal;
  #seen = new Map<string, true>();
  #held: HeldRecord[] = [];
  #nextSeq = 1;
  #log: Logger;
  #clock: () => Date;
  /** Accepted records waiting for the append at the end of this turn of the event loop. */
  #batch: { points: Point[]; written: Promise<void>; immediate: NodeJS.Immediate; write(): void } | undefined;

  constructor(
    readonly dir: string,
    options: { log: Logger; flushIntervalMs?: number; clock?: () => Date },
  ) {
    this.#log = options.log;
    this.#clock = options.clock ?? (() => new Date());
    this.#journal = new Journal({
      dir,
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      clock: this.#clock,
      onTorn: (torn) => this.#log.warn({ ...torn }, tornMessage(torn)),
    });
  }

  /**
   * Reads the recent records: remembers their ids and returns the deliveries that were
   * acknowledged but never observed. Prunes files older than two days.
   */
  async load(): Promise<DeliveryRecord[]> {
    const unfinished = new Map<string, DeliveryRecord>();
    const held = new Map<string, HeldRecord>();
    /** "o/r#n" or "o/r@sha" → the highest sequence number observed. */
    const marks = new Map<string, number>();
    let maxSeq = 0;
    const since = new Date(this.#clock().getTime() - KEEP_DAYS * 86_400_000);
    // A partial last line (the process died during a write cut short) is closed off first, so
    // the records accepted from now on never join it.
    await this.#journal.repairTails();
    const skipped: SkippedLine[] = [];
    for await (const point of readPoints(this.dir, { since, onSkip: (s) => skipped.push(s) })) {
      const mark = point.tags.pr ?? point.tags.commit;
      if (point.measurement === DONE && mark !== undefined && typeof point.fields.through === "number") {
        marks.set(mark, Math.max(marks.get(mark) ?? 0, point.fields.through));
        maxSeq = Math.max(maxSeq, point.fields.through);
        continue;
      }
      const id = point.tags.id;
      if (!id) continue;
      if (point.measurement === ACCEPTED) {
        this.#remember(id);
        const f = point.fields;
        unfinished.set(id, {
          id,
          trigger: String(f.trigger ?? ""),
          installationId: typeof f.installation === "number" ? f.installation : undefined,
          owner: String(f.owner ?? ""),
          repo: String(f.repo ?? ""),
          prs: String(f.prs ?? "")
            .split(",")
            .filter(Boolean)
            .map(Number),
          sha: typeof f.sha === "string" ? f.sha : undefined,
          seq: typeof f.seq === "number" ? f.seq : undefined,
        });
        if (typeof f.seq === "number") maxSeq = Math.max(maxSeq, f.seq);
      } else if (point.measurement === HELD) {
        this.#remember(id);
        const f = point.fields;
        if (f.kind !== "outcome" && f.kind !== "action") continue;
        held.set(id, {
          id,
          kind: f.kind,
          installationId: typeof f.installation === "number" ? f.installation : undefined,
          owner: String(f.owner ?? ""),
          repo: String(f.repo ?? ""),
          input: String(f.input ?? ""),
        });
      } else if (point.measurement === DONE) {
        // One record marks every delivery of an observation (field `ids`); older records one each.
        const ids = point.fields.ids;
        for (const done of typeof ids === "string" ? ids.split(",") : [id]) {
          unfinished.delete(done);
          held.delete(done);
        }
      }
    }
    this.#held = [...held.values()];
    if (skipped.length) this.#log.warn({ first: skipped[0] }, skippedMessage(skipped.length, "delivery log"));
    // Numbers keep increasing across restarts: a watermark must never cover a later delivery.
    this.#nextSeq = maxSeq + 1;
    const observed = (r: DeliveryRecord) =>
      r.seq !== undefined &&
      (r.prs.length > 0
        ? r.prs.every((n) => (marks.get(prKey({ owner: r.owner, repo: r.repo, number: n })) ?? 0) >= r.seq!)
        : r.sha !== undefined && (marks.get(commitKey(r.owner, r.repo, r.sha)) ?? 0) >= r.seq);
    const left = [...unfinished.values()].filter((r) => !observed(r));
    // Records written before sequence numbers existed get one now (appended again), so that the
    // watermarks of their recovery can mark them.
    const unnumbered = left.filter((r) => r.seq === undefined);
    for (const r of unnumbered) r.seq = this.#nextSeq++;
    if (unnumbered.length) await this.#journal.write(unnumbered.map((r) => this.#acceptedPoint(r)));
    await this.#prune(since);
    return left;
  }

  /** The held records `load()` found never done (see HeldRecord); resume each, then mark it done. */
  heldRecords(): HeldRecord[] {
    return this.#held;
  }

  /**
   * Holds what a delivery must produce before the wait on GitHub that producing it needs.
   * Resolves once the record is in the file: true, or false when this id was held before (a
   * redelivery: producing it again is harmless, the writers skip exact repeats). Mark it done
   * with `done([record.id])` once its points are written (or known not to be wanted).
   */
  hold(record: HeldRecord): Promise<boolean> {
    if (this.#seen.has(record.id)) return Promise.resolve(false);
    this.#remember(record.id);
    const fields: Record<string, string | number> = { kind: record.kind };
    if (record.installationId !== undefined) fields.installation = record.installationId;
    fields.owner = record.owner;
    fields.repo = record.repo;
    fields.input = record.input;
    return this.#append({ measurement: HELD, time: this.#clock(), tags: { id: record.id }, fields }).then(() => true);
  }

  /** Whether this delivery id was taken before. */
  has(id: string): boolean {
    return this.#seen.has(id);
  }

  /**
   * Records the delivery before it is acknowledged. Resolves false (and records nothing) for a
   * delivery already taken: a redelivery. Resolves true once the record is in the file.
   *
   * Deliveries accepted in the same turn of the event loop (under load, several sockets are read
   * in one turn) share one append: one write(2) instead of one each. The append runs in the
   * turn's check phase (setImmediate), before any of them is answered; a failed append rejects
   * every delivery of the batch.
   */
  accept(record: DeliveryRecord): Promise<boolean> {
    if (this.#seen.has(record.id)) return Promise.resolve(false);
    this.#remember(record.id);
    record.seq = this.#nextSeq++;
    return this.#append(this.#acceptedPoint(record)).then(() => true);
  }

  #acceptedPoint(record: DeliveryRecord): Point {
    const fields: Record<string, string | number> = { trigger: record.trigger };
    if (record.installationId !== undefined) fields.installation = record.installationId;
    fields.owner = record.owner;
    fields.repo = record.repo;
    fields.prs = record.prs.join(",");
    if (record.sha !== undefined) fields.sha = record.sha;
    if (record.seq !== undefined) fields.seq = record.seq;
    // Built directly (no makePoint): the fields above are never undefined.
    return { measurement: ACCEPTED, time: this.#clock(), tags: { id: record.id }, fields };
  }

  #append(point: Point): Promise<void> {
    if (this.#batch) {
      this.#batch.points.push(point);
      return this.#batch.written;
    }
    const points = [point];
    let write!: () => void;
    const written = new Promise<void>((resolve, reject) => {
      write = () => {
        if (this.#batch?.points !== points) return;
        clearImmediate(this.#batch.immediate);
        this.#batch = undefined;
        this.#journal.write(points).then(resolve, reject);
      };
    });
    this.#batch = { points, written, immediate: setImmediate(write), write };
    return written;
  }

  /** Appends the records waiting for the end of the turn now (before a flush or close). */
  #appendNow(): void {
    this.#batch?.write();
  }

  /** Marks deliveries as observed, in one record. Not awaited by callers: a lost mark only means a re-observation after a crash. */
  done(ids: string[]): void {
    if (ids.length === 0) return;
    this.#appendNow(); // a done record never precedes its accepted record in the file
    const now = this.#clock();
    // One line for the whole observation (ids joined; GitHub's delivery ids are GUIDs), unless an
    // id has a comma: then one line per id.
    const points = ids.some((id) => id.includes(","))
      ? ids.map((id) => makePoint(DONE, now, { id }, { done: true }))
      : [makePoint(DONE, now, { id: ids[0]! }, { done: true, ids: ids.join(",") })];
    this.#journal.write(points).catch((err: Error) => {
      this.#log.warn({ err: err.message }, "could not mark deliveries as done; they may be observed again after a restart");
    });
  }

  /**
   * Marks what written observations covered: per PR (and per commit a PR was found by) the
   * highest delivery number whose event the snapshot includes. One line per PR, whatever the
   * number of deliveries. Not awaited by callers, like done().
   */
  observed(marks: DoneMark[]): void {
    const now = this.#clock();
    const points: Point[] = [];
    for (const m of marks) {
      if (m.through !== undefined && m.number !== undefined) points.push(makePoint(DONE, now, { pr: prKey({ owner: m.owner, repo: m.repo, number: m.number }) }, { through: m.through, deliveries: m.deliveries }));
      for (const [sha, seq] of m.commits) points.push(makePoint(DONE, now, { commit: commitKey(m.owner, m.repo, sha) }, { through: seq }));
    }
    if (points.length === 0) return;
    this.#appendNow(); // a done record never precedes its accepted record in the file
    this.#journal.write(points).catch((err: Error) => {
      this.#log.warn({ err: err.message }, "could not mark deliveries as done; they may be observed again after a restart");
    });
  }

  flush(): Promise<void> {
    this.#appendNow();
    return this.#journal.flush();
  }

  close(): Promise<void> {
    this.#appendNow();
    return this.#journal.close();
  }

  #remember(id: string): void {
    this.#seen.set(id, true);
    if (this.#seen.size > MAX_REMEMBERED) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
  }

  async #prune(before: Date): Promise<void> {
    const keepFrom = journalFileName(before);
    let names: string[] = [];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.endsWith(".jsonl") && name < keepFrom) await rm(`${this.dir}/${name}`, { force: true });
    }
  }
}

function commitKey(owner: string, repo: string, sha: string): string {
  return `${owner}/${repo}@${sha}`;
}
