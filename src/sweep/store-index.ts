import type { Point } from "../store/point.js";
import { stringFieldOf } from "../store/point-text.js";
import { timeMsOf } from "../store/read-journal-batches.js";

/** What the store knows about one pull request, as far as the sweep needs it. */
export interface StoredPullRequest {
  /** The newest pr_observation: its time and the fields the sweep compares. */
  observedAt?: Date | undefined;
  state?: string | undefined;
  headSha?: string | undefined;
  isDraft?: boolean | undefined;
  baseRef?: string | undefined;
  /** What caused the newest observation (`sweep` for the sweep's own). */
  trigger?: string | undefined;
  /** The newest outcome's time. */
  outcomeAt?: Date | undefined;
}

/** What the store knows about one repository. */
export interface StoredRepository {
  /** The oldest point of the repository in the read range: since when the app has been watching it. */
  firstPointAt: Date;
  /** The newest observation written by a sweep. */
  lastSweptAt?: Date | undefined;
  prs: Map<number, StoredPullRequest>;
}

/** Stored repositories by `owner/name` in lower case (GitHub names are case-insensitive). */
export type StoreIndex = Map<string, StoredRepository>;

/** The index key of a repository. */
export function repoKey(repo: string): string {
  return repo.toLowerCase();
}

/**
 * Folds pr_observation and outcome points into the newest state per pull request, in one pass
 * over whatever order the store yields them (the journal's is file order, InfluxDB's is not).
 * `only`: the repository keys to keep (others are skipped without being held in memory).
 * `into`: an index to fold into (folding a point twice changes nothing).
 */
export async function indexStore(points: AsyncIterable<Point>, only?: Set<string>, into: StoreIndex = new Map()): Promise<StoreIndex> {
  for await (const point of points) {
    if (only && !only.has(repoKey(point.tags.repo ?? ""))) continue;
    foldPoint(into, point);
  }
  return into;
}

/** Folds one point into the index (other measurements and points without repo/pr are ignored). */
export function foldPoint(index: StoreIndex, point: Point): void {
  const entry = entryOf(index, point);
  if (!entry) return;
  const { stored, pr } = entry;
  if (point.measurement === "outcome") {
    if (!pr.outcomeAt || point.time > pr.outcomeAt) pr.outcomeAt = point.time;
    return;
  }
  const f = point.fields;
  if (f.trigger === "sweep" && (!stored.lastSweptAt || point.time > stored.lastSweptAt)) stored.lastSweptAt = point.time;
  if (!pr.observedAt || point.time >= pr.observedAt) {
    pr.observedAt = point.time;
    pr.state = typeof f.state === "string" ? f.state : undefined;
    pr.headSha = typeof f.head_sha === "string" ? f.head_sha : undefined;
    pr.isDraft = typeof f.is_draft === "boolean" ? f.is_draft : undefined;
    pr.baseRef = typeof f.base_ref === "string" ? f.base_ref : undefined;
    pr.trigger = typeof f.trigger === "string" ? f.trigger : undefined;
  }
}

/** The repository and pull request a point belongs to, created when new (undefined: not one the index keeps). */
function entryOf(index: StoreIndex, point: Point, ms?: number): { stored: StoredRepository; pr: StoredPullRequest; number: number } | undefined {
  if (point.measurement !== "outcome" && point.measurement !== "pr_observation") return undefined;
  const repo = point.tags.repo;
  const number = Number(point.tags.pr);
  if (!repo || !Number.isInteger(number)) return undefined;
  const key = repoKey(repo);
  let stored = index.get(key);
  const time = ms ?? point.time.getTime();
  if (!stored) {
    stored = { firstPointAt: new Date(time), prs: new Map() };
    index.set(key, stored);
  }
  if (time < stored.firstPointAt.getTime()) stored.firstPointAt = new Date(time);
  let pr = stored.prs.get(number);
  if (!pr) {
    pr = {};
    stored.prs.set(number, pr);
  }
  return { stored, pr, number };
}

/**
 * Builds the same index as folding every point (foldPoint), in one pass over points in any
 * order, but reads the fields of only the newest observation of each pull request (and the
 * `trigger` of the others, without parsing their fields: see stringFieldOf). The app's start-up
 * pass over days of journal (src/startup/read-startup-index.ts) would otherwise parse every
 * observation. An observation whose fields cannot be read is left out.
 */
export class StoreIndexBuilder {
  readonly #index: StoreIndex = new Map();
  readonly #newest = new Map<StoredPullRequest, { point: Point; ms: number }>();

  add(point: Point): void {
    if (point.measurement !== "pr_observation") {
      foldPoint(this.#index, point);
      return;
    }
    const ms = timeMsOf(point);
    const entry = entryOf(this.#index, point, ms);
    if (!entry) return;
    const { stored, pr } = entry;
    if ((!stored.lastSweptAt || ms > stored.lastSweptAt.getTime()) && stringFieldOf(point, "trigger") === "sweep") stored.lastSweptAt = new Date(ms);
    const newest = this.#newest.get(pr);
    if (!newest) this.#newest.set(pr, { point, ms });
    else if (ms >= newest.ms) {
      newest.point = point;
      newest.ms = ms;
    }
  }

  /** The index, with each pull request's newest observation folded in. */
  finish(): StoreIndex {
    for (const { point } of this.#newest.values()) {
      try {
        void point.fields;
      } catch {
        continue; // damaged fields: the observation is unreadable
      }
      foldPoint(this.#index, point);
    }
    this.#newest.clear();
    return this.#index;
  }
}
