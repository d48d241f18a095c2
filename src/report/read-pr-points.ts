import type { Config } from "../config.js";
import { InputError } from "../errors.js";
import { openInfluxStore } from "../store/open-influx-store.js";
import type { Point } from "../store/point.js";
import { readPoints } from "../store/read-points.js";

/** `owner/repo#123` (also `owner/repo/pull/123` and a PR's github.com URL) → repo and number. */
export function parsePrRef(value: string): { repo: string; pr: number } {
  const m = /^(?:https?:\/\/[^/]+\/)?([\w.-]+\/[\w.-]+?)(?:#|\/pull\/)(\d+)\/?$/.exec(value.trim());
  if (!m || Number(m[2]) < 1) throw new InputError(`"${value}" is not a pull request: write owner/repo#123`, "pr");
  return { repo: m[1]!, pr: Number(m[2]) };
}

/**
 * Every point of one PR: from the journal through the store's reader API (its fast path for one
 * PR), or from InfluxDB through its store (the repository's points, kept for the PR). `from`
 * defaults as `stats` does: InfluxDB when configured, else the journal.
 */
export async function readPrPoints(config: Config, from: "journal" | "influx" | undefined, repo: string, pr: number): Promise<{ points: Point[]; label: string }> {
  const name = from ?? (config.influx ? "influx" : "journal");
  const measurements = ["pr_observation", "action_taken", "outcome"];
  const points: Point[] = [];
  if (name === "journal") {
    for await (const point of readPoints(config.journalDir, { repo, pr, measurements })) points.push(point);
    return { points, label: `journal in ${config.journalDir}` };
  }
  if (!config.influx) {
    throw new InputError("--from influx needs InfluxDB configured: set INFLUX_DATABASE (InfluxDB 1.x) or INFLUX_TOKEN/INFLUX_TOKEN_FILE (2.x), or use --from journal", "from");
  }
  const store = openInfluxStore(config.influx);
  try {
    for await (const point of store.read({ repos: [repo], measurements })) if (point.tags.pr === String(pr)) points.push(point);
  } finally {
    await store.close();
  }
  return { points, label: `InfluxDB (${store.target})` };
}
