import { InputError } from "../errors.js";

/** The three parts of a `--split`, in file order. */
export const SPLIT_NAMES = ["train", "validation", "test"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Reads `--split 0.8,0.1,0.1`: three shares (train, validation, test), each 0..1, summing to 1. */
export function parseSplit(value: string): [number, number, number] {
  const parts = value.split(",").map((p) => p.trim());
  const shares = parts.map(Number);
  if (parts.length !== 3 || parts.some((p) => p === "") || shares.some((s) => !Number.isFinite(s) || s < 0 || s > 1)) {
    throw new InputError(`--split "${value}" must be three shares between 0 and 1 for train,validation,test, e.g. 0.8,0.1,0.1`, "split");
  }
  const sum = shares[0]! + shares[1]! + shares[2]!;
  if (Math.abs(sum - 1) > 1e-6) {
    throw new InputError(`--split "${value}" adds up to ${Number(sum.toFixed(6))}; the three shares must add up to 1, e.g. 0.8,0.1,0.1`, "split");
  }
  return shares as [number, number, number];
}

/** A PR of the export, with the time of its newest line. */
export interface SplitPr {
  repo: string;
  pr: number;
  lastMs: number;
}

/**
 * Assigns whole PRs to train/validation/test by time: PRs ordered by their newest line (then
 * repo, pr), the oldest share to train and the most recent to test. Every line of a PR goes
 * where the PR goes, so no PR straddles two files, and no train PR has a line newer than the
 * newest line of every test PR. Shares are of PRs, rounded to whole PRs.
 */
export function assignSplits(prs: SplitPr[], shares: [number, number, number]): SplitName[] {
  const order = prs
    .map((p, index) => ({ p, index }))
    .sort((a, b) => a.p.lastMs - b.p.lastMs || (a.p.repo < b.p.repo ? -1 : a.p.repo > b.p.repo ? 1 : a.p.pr - b.p.pr));
  const n = prs.length;
  const trainEnd = Math.round(n * shares[0]);
  const validationEnd = Math.max(trainEnd, Math.round(n * (shares[0] + shares[1])));
  const out: SplitName[] = new Array<SplitName>(n);
  order.forEach(({ index }, rank) => {
    out[index] = rank < trainEnd ? "train" : rank < validationEnd ? "validation" : "test";
  });
  return out;
}
