import type { Logger } from "probot";
import type { SkippedLine } from "../store/journal.js";
import { skippedMessage } from "../store/journal-damage.js";
import { JournalTail } from "../store/journal-tail.js";
import type { TelemetryStore } from "../store/open-store.js";
import type { Point } from "../store/point.js";

/** The attempt counters every observation carries. */
export interface Attempts {
  conflictAttempts: number;
  reviewFixAttempts: number;
}

/**
 * Where observations get a PR's attempt counters from. `createAttemptCounters` builds the real
 * one (rebuilt from the store, shared through InfluxDB); `noAttempts` counts nothing.
 */
export interface AttemptSource {
  get(repo: string, pr: number): Promise<Attempts>;
  /** Tells the source about points this process has just written (optional: the source also re-reads the store). */
  record?(points: Point[]): void;
}

/** Counters of 0 for every PR. */
export const noAttempts: AttemptSource = {
  get: async () => ({ conflictAttempts: 0, reviewFixAttempts: 0 }),
};

/** Actions counted in conflict_attempts. */
export const CONFLICT_ACTIONS: ReadonlySet<string> = new Set(["request_conflict_fix", "resolve_conflict"]);
/** Actions counted in review_fix_attempts. */
export const REVIEW_FIX_ACTIONS: ReadonlySet<string> = new Set(["request_review_fix"]);

/**
 * One attempt is often recorded twice: the orchestrator runs `record-action request_conflict_fix`
 * and its comment asking for the fix is inferred as the same action. Records of one kind from
 * different sources this close together count once.
 */
export const SAME_ATTEMPT_WINDOW_MS = 10 * 60_000;

export interface AttemptCountersOptions {
  /** How stale the counters may be before get() re-reads the store (journal tail, InfluxDB per repo). */
  refreshMs?: number;
  /** How long get() waits for a re-read before answering from what it has (default 2 s). */
  maxWaitMs?: number;
  clock?: () => number;
  /**
   * The journal tail the counters read actions with (default: their own). The start-up index
   * (src/startup/read-startup-index.ts) reads the journal once through it for several readers,
   * so the counters' next read starts where that pass ended.
   */
  tail?: JournalTail;
}

export interface RecordedAction {
  action: string;
  source: string;
  time: number;
}

const ACTIONS: ReadonlySet<string> = new Set(["action_taken"]);

/**
 * Counts each PR's recorded attempts from the `action_taken` points in the store.
 *
 * Every recorded action is kept by its point identity, so a redelivered or re-read action
 * counts once, and a rewritten identity replaces the old action as it does in InfluxDB. The
 * journal is tailed from the byte offsets already read (so actions the CLI appends from another
 * process are seen within `refreshMs`); when InfluxDB is the primary store, each repository's
 * actions are also re-read from it at most every `refreshMs`, so app instances writing to one
 * InfluxDB agree. A failed re-read is logged and the counters answer from what they have.
 */
export class AttemptCounters implements AttemptSource {
  /** Counted actions (conflict and review-fix kinds only) by PR, then by identity (see identityInPr). */
  #byPr = new Map<string, Map<string, RecordedAction>>();
  /** Closed PRs' attempts folded into counts (see settle). */
  #settled = new Map<string, Settled>();
  readonly #tail: JournalTail;
  #ready: Promise<unknown> | undefined;
  #journalReadAt = Number.NEGATIVE_INFINITY;
  #journalRead: Promise<void> | undefined;
  #repoReadAt = new Map<string, number>();
  #repoReads = new Map<string, Promise<void>>();
  readonly #refreshMs: number;
  readonly #maxWaitMs: number;
  readonly #clock: () => number;

  constructor(
    private readonly store: TelemetryStore,
    private readonly log: Logger,
    options: AttemptCountersOptions = {},
  ) {
    this.#refreshMs = options.refreshMs ?? 5_000;
    this.#maxWaitMs = options.maxWaitMs ?? 2_000;
    this.#clock = options.clock ?? Date.now;
    this.#tail = options.tail ?? new JournalTail(store.journal.dir);
  }

  /** Whether reads come from somewhere other than this process's journal (InfluxDB). */
  get #shared(): boolean {
    return this.store.primary !== this.store.journal;
  }

  /**
   * Reads every recorded action: the whole journal, and the primary store when it is InfluxDB.
   * InfluxDB being down does not stop the app: the counters start from the journal and each
   * repository is read from InfluxDB at its first get().
   */
  async rebuild(options: { journal?: boolean } = {}): Promise<void> {
    // journal: false when the start-up index has just read the journal through this tail.
    if (options.journal !== false) await this.#tailJournal();
    if (!this.#shared) return;
    const startedAt = this.#clock();
    const repos = new Set<string>();
    try {
      for await (const point of this.store.read({ measurements: ["action_taken"] })) {
        this.#add(point);
        if (point.tags.repo) repos.add(point.tags.repo);
      }
    } catch (err) {
      this.log.warn(
        { store: this.store.primary.name, err: (err as Error).message },
        "could not read recorded actions from the store at start; attempt counters start from the journal and catch up per repository",
      );
      return;
    }
    for (const repo of repos) this.#repoReadAt.set(repo, startedAt);
  }

  /**
   * Makes get() wait for `pass` first, however long it takes (no maxWaitMs): the app's start-up
   * pass reads the journal's actions through this tail while the app already answers, and a
   * count from half the history would be wrong, not just late.
   */
  waitFor(pass: Promise<unknown>): void {
    this.#ready = pass.catch(() => undefined);
  }

  record(points: Point[]): void {
    for (const point of points) if (point.measurement === "action_taken") this.#add(point);
  }

  async get(repo: string, pr: number): Promise<Attempts> {
    if (this.#ready) await this.#ready;
    await this.#refresh(repo);
    const key = `${repo}#${pr}`;
    const settled = this.#settled.get(key);
    const recorded = this.#byPr.get(key);
    const all = recorded ? [...recorded.values()] : [];
    return {
      conflictAttempts: (settled?.conflict ?? 0) + countAttempts(all.filter((r) => CONFLICT_ACTIONS.has(r.action))),
      reviewFixAttempts: (settled?.reviewFix ?? 0) + countAttempts(all.filter((r) => REVIEW_FIX_ACTIONS.has(r.action))),
    };
  }

  /**
   * Folds a closed PR's recorded attempts into two counts, so that the history of closed PRs
   * (most of a journal) is held as one small entry per PR with attempts, not one record per
   * action. Called by the start-up pass for each outcome it reads. Only when every record is
   * older than the outcome by more than SAME_ATTEMPT_WINDOW_MS: a record of the same attempt
   * from another source can then only be one of the folded ones, never a later one. Records
   * read again later (InfluxDB's re-reads, a tail) up to the newest folded time are the folded
   * ones and are not counted again; an action recorded after the fold with an older time than
   * that is not counted either (the one case this loses: a late `record-action --time` into a
   * closed PR's past).
   */
  settle(repo: string, pr: string | number, outcomeMs: number): void {
    const key = `${repo}#${pr}`;
    const recorded = this.#byPr.get(key);
    if (!recorded) return;
    const all = [...recorded.values()];
    const newest = Math.max(...all.map((r) => r.time));
    if (newest >= outcomeMs - SAME_ATTEMPT_WINDOW_MS) return;
    const before = this.#settled.get(key);
    this.#settled.set(key, {
      through: Math.max(newest, before?.through ?? Number.NEGATIVE_INFINITY),
      conflict: (before?.conflict ?? 0) + countAttempts(all.filter((r) => CONFLICT_ACTIONS.has(r.action))),
      reviewFix: (before?.reviewFix ?? 0) + countAttempts(all.filter((r) => REVIEW_FIX_ACTIONS.has(r.action))),
    });
    this.#byPr.delete(key);
  }

  async #refresh(repo: string): Promise<void> {
    const now = this.#clock();
    const waits: Promise<void>[] = [];
    if (now - this.#journalReadAt >= this.#refreshMs) {
      this.#journalRead ??= this.#tailJournal()
        .catch((err: Error) => this.log.warn({ err: err.message }, "could not re-read actions from the journal; attempt counters may lag"))
        .finally(() => (this.#journalRead = undefined));
      waits.push(this.#journalRead);
    }
    if (this.#shared && now - (this.#repoReadAt.get(repo) ?? Number.NEGATIVE_INFINITY) >= this.#refreshMs) {
      let read = this.#repoReads.get(repo);
      if (!read) {
        read = this.#readRepo(repo)
          .catch((err: Error) => {
            // Try again after refreshMs, not at every observation while InfluxDB is down.
            this.#repoReadAt.set(repo, now);
            this.log.warn({ repo, store: this.store.primary.name, err: err.message }, "could not read actions from the store; attempt counters may lag");
          })
          .finally(() => this.#repoReads.delete(repo));
        this.#repoReads.set(repo, read);
      }
      waits.push(read);
    }
    if (waits.length === 0) return;
    // A slow store must not hold observations up: past maxWaitMs, answer from what is known
    // (the read goes on and its actions count from the next get()).
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#maxWaitMs);
      timer.unref();
    });
    await Promise.race([Promise.all(waits), timeout]);
    clearTimeout(timer);
  }

  async #readRepo(repo: string): Promise<void> {
    const startedAt = this.#clock();
    for await (const point of this.store.read({ measurements: ["action_taken"], repos: [repo] })) this.#add(point);
    this.#repoReadAt.set(repo, startedAt);
  }

  // Reads the journal's action lines appended since the last read (observations, most of the
  // journal, are passed over undecoded: see JournalTail).
  async #tailJournal(): Promise<void> {
    const startedAt = this.#clock();
    // Lines are read once (from the tail's offsets), so each unreadable action line is logged once.
    const skipped: SkippedLine[] = [];
    await this.#tail.read({ measurements: () => ACTIONS, onPoint: (point) => this.#add(point), onSkip: (s) => skipped.push(s) });
    this.reportSkipped(skipped);
    this.#journalReadAt = startedAt;
  }

  /** Logs action lines that could not be read (once per read of the journal). */
  reportSkipped(skipped: SkippedLine[]): void {
    if (skipped.length === 0) return;
    const first = { file: skipped[0]!.file, offset: skipped[0]!.offset };
    this.log.warn({ first }, skippedMessage(skipped.length, "action_taken journal") + "; attempt counters leave them out");
  }

  /** What the counters hold: action records, and closed PRs folded into counts (see settle). */
  held(): { records: number; settledPrs: number } {
    let records = 0;
    for (const recorded of this.#byPr.values()) records += recorded.size;
    return { records, settledPrs: this.#settled.size };
  }

  /** Marks the journal as read now (the start-up index read it through this tail). */
  journalReadNow(): void {
    this.#journalReadAt = this.#clock();
  }

  #add(point: Point): void {
    const { repo, pr } = point.tags;
    const action = point.fields.action;
    if (!repo || !pr || typeof action !== "string") return;
    const key = `${repo}#${pr}`;
    const time = point.time.getTime();
    const settled = this.#settled.get(key);
    if (settled && time <= settled.through) return; // folded already (see settle)
    const identity = identityInPr(point.tags, time);
    let recorded = this.#byPr.get(key);
    // Only the kinds counted are held; another action under a held identity replaces (removes) it.
    if (!CONFLICT_ACTIONS.has(action) && !REVIEW_FIX_ACTIONS.has(action)) {
      if (recorded?.delete(identity) && recorded.size === 0) this.#byPr.delete(key);
      return;
    }
    if (!recorded) this.#byPr.set(key, (recorded = new Map()));
    recorded.set(identity, { action, source: internedSource(String(point.fields.source ?? "")), time });
  }
}

/** A closed PR's attempts folded into counts: those of the records up to `through` (epoch ms). */
interface Settled {
  through: number;
  conflict: number;
  reviewFix: number;
}

/**
 * An action's point identity within its PR's map: its time, and its tags other than repo and pr
 * (the same identity as pointKey, whose measurement, repo and pr the map already fixes), kept
 * short because a journal holds hundreds of thousands of actions.
 */
function identityInPr(tags: Record<string, string>, time: number): string {
  let key = String(time);
  for (const name of Object.keys(tags).sort()) if (name !== "repo" && name !== "pr") key += `\u0000${name}=${tags[name]}`;
  return key;
}

// A few sources (cli, api, inferred, backfill, ...) across every record: one string each.
const sources = new Map<string, string>();
function internedSource(source: string): string {
  let kept = sources.get(source);
  if (kept === undefined) {
    kept = source;
    if (sources.size < 1_000) sources.set(source, source);
  }
  return kept;
}

/** Counts attempts of one kind, merging records of one attempt from different sources (see SAME_ATTEMPT_WINDOW_MS). */
export function countAttempts(records: RecordedAction[]): number {
  const counted: RecordedAction[] = [];
  for (const r of [...records].sort((a, b) => a.time - b.time)) {
    const twin = counted.some((c) => c.source !== r.source && Math.abs(r.time - c.time) <= SAME_ATTEMPT_WINDOW_MS);
    if (!twin) counted.push(r);
  }
  return counted.length;
}

/**
 * The app's attempt counters, rebuilt from the store before they answer. Pass the result as
 * `runtime.attempts`; handlers that write actions call `record(points)` after the write.
 */
export async function createAttemptCounters(
  store: TelemetryStore,
  log: Logger,
  options: AttemptCountersOptions = {},
): Promise<AttemptCounters> {
  const counters = new AttemptCounters(store, log, options);
  await counters.rebuild();
  return counters;
}
