import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { gzip as gzipCallback, constants as zlibConstants } from "node:zlib";
import { StoreError } from "../errors.js";
import { decodeTagValue, encodeTagValue, lineCount, lineProtocolBody, restoreFieldValue, toLineProtocol } from "./influx-line.js";
import type { InfluxStore } from "./influx-store.js";
import { adviceFor, failureOfStatus, InfluxWriteError, parseRetryAfter, shortReason } from "./influx-write-error.js";
import type { FieldValue, Point } from "./point.js";
import type { ReadRange } from "./store.js";

const gzip = promisify(gzipCallback);

export interface InfluxV1Options {
  url: string;
  database: string;
  retentionPolicy?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Bodies larger than this many bytes are gzipped (default 1000; -1 never). */
  gzipThreshold?: number;
}

/**
 * InfluxDB 1.x (and other stores speaking its API): POST /write?db=&rp=&precision=ms with line
 * protocol, GET/POST /query with InfluxQL. Credentials go in an Authorization: Basic header, which
 * InfluxDB 1.x accepts like the u=/p= parameters but which keeps the password out of URLs and
 * access logs. Written with fetch because the official client speaks only the v2 API (/api/v2/write),
 * which InfluxDB 1.6 does not have; the lines themselves still come from the client's Point.
 */
export class InfluxV1Store implements InfluxStore {
  readonly name = "influx-v1";
  readonly api = "v1";
  readonly target: string;
  #options: InfluxV1Options;
  #headers: Record<string, string>;

  constructor(options: InfluxV1Options) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, "") };
    this.target = `${this.#options.url} database ${options.database}${options.retentionPolicy ? ` rp ${options.retentionPolicy}` : ""}`;
    this.#headers = {};
    if (options.username !== undefined) {
      const basic = Buffer.from(`${options.username}:${options.password ?? ""}`).toString("base64");
      this.#headers.authorization = `Basic ${basic}`;
    }
  }

  async write(points: Point[]): Promise<void> {
    if (points.length) await this.writeLines(points.map(toLineProtocol));
  }

  /** One request; an element of `lines` may hold several lines joined by "\n". */
  async writeLines(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const params = new URLSearchParams({ db: this.#options.database, precision: "ms" });
    if (this.#options.retentionPolicy) params.set("rp", this.#options.retentionPolicy);
    const text = lineProtocolBody(lines);
    const headers: Record<string, string> = { ...this.#headers, "content-type": "text/plain; charset=utf-8" };
    let body: Buffer = text;
    const threshold = this.#options.gzipThreshold ?? 1000;
    if (threshold >= 0 && text.length > threshold) {
      // Level 1: on a busy 2-core host the CPU is the bottleneck, not the bytes.
      body = await gzip(text, { level: zlibConstants.Z_BEST_SPEED });
      headers["content-encoding"] = "gzip";
    }
    let res: Response;
    try {
      res = await fetch(`${this.#options.url}/write?${params}`, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new InfluxWriteError(`InfluxDB at ${this.#options.url} did not answer: ${reasonOf(err)}`, "unavailable");
    }
    const answer = await res.text().catch(() => "");
    if (res.status === 204 || res.status === 200) return;
    const failure = failureOfStatus(res.status);
    throw new InfluxWriteError(
      `InfluxDB refused a write of ${lineCount(lines)} lines (HTTP ${res.status}: ${serverReason(answer)}); ${adviceFor(failure, "v1")}`,
      failure,
      res.status,
      parseRetryAfter(res.headers.get("retry-after")),
    );
  }

  /**
   * Streams points back with InfluxQL. The answer is requested chunked (chunked=true) and parsed
   * one chunk at a time, so a large range never sits in memory whole. Tag values are decoded
   * (see encodeTagValue) and field values typed per their declaration.
   */
  async *read(range?: ReadRange, onSkip?: (reason: string) => void): AsyncIterable<Point> {
    const q = influxQlFor(range);
    const params = new URLSearchParams({ db: this.#options.database, q, epoch: "ms", chunked: "true", chunk_size: "5000" });
    if (this.#options.retentionPolicy) params.set("rp", this.#options.retentionPolicy);
    let res: Response;
    try {
      res = await fetch(`${this.#options.url}/query`, {
        method: "POST",
        headers: { ...this.#headers, "content-type": "application/x-www-form-urlencoded" },
        body: params,
      });
    } catch (err) {
      throw new StoreError(`cannot read from InfluxDB at ${this.#options.url}: ${reasonOf(err)}`);
    }
    if (!res.ok || !res.body) {
      const answer = await res.text().catch(() => "");
      throw new StoreError(`InfluxDB refused the query (HTTP ${res.status}: ${serverReason(answer)}); ${adviceFor(failureOfStatus(res.status), "v1")}`);
    }
    const input = Readable.fromWeb(res.body as never);
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      // With chunked=true InfluxDB 1.x answers one JSON document per line, each a chunk of rows.
      for await (const chunk of lines) {
        if (chunk.trim() === "") continue;
        const json = JSON.parse(chunk) as QueryChunk;
        if (json.error) throw new StoreError(`InfluxDB query failed: ${json.error}`);
        for (const result of json.results ?? []) {
          if (result.error) throw new StoreError(`InfluxDB query failed: ${result.error}`);
          for (const series of result.series ?? []) yield* pointsOf(series, onSkip);
        }
      }
    } finally {
      // A reader that stops early must not leave the response (and its connection) open.
      lines.close();
      input.destroy();
    }
  }

  async ping(timeoutMs = 2000): Promise<boolean> {
    try {
      const res = await fetch(`${this.#options.url}/ping`, { headers: this.#headers, signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.status === 204 || res.status === 200;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}
}

interface QueryChunk {
  error?: string;
  results?: Array<{
    error?: string;
    series?: Series[];
  }>;
}

interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

function* pointsOf(series: Series, onSkip: ((reason: string) => void) | undefined): Iterable<Point> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(series.tags ?? {})) {
    if (value !== "") tags[key] = decodeTagValue(value);
  }
  const timeIndex = series.columns.indexOf("time");
  rows: for (const row of series.values) {
    const fields: Record<string, FieldValue> = {};
    for (let i = 0; i < series.columns.length; i++) {
      if (i === timeIndex) continue;
      const column = series.columns[i]!;
      let value: FieldValue | undefined;
      try {
        value = restoreFieldValue(series.name, column, row[i]);
      } catch (err) {
        onSkip?.(`${(err as Error).message} at ${new Date(row[timeIndex] as number).toISOString()}`);
        continue rows;
      }
      if (value !== undefined) fields[column] = value;
    }
    yield { measurement: series.name, time: new Date(row[timeIndex] as number), tags: { ...tags }, fields };
  }
}

/** The InfluxQL for a read range. GROUP BY * puts tags in `series.tags`, apart from the fields. */
export function influxQlFor(range: ReadRange | undefined): string {
  const from = range?.measurements?.length ? range.measurements.map(identifier).join(",") : "/.*/";
  const where: string[] = [];
  if (range?.since) where.push(`time >= ${range.since.getTime()}ms`);
  if (range?.until) where.push(`time <= ${range.until.getTime()}ms`);
  if (range?.repos?.length) where.push(`(${range.repos.map((r) => `"repo" = ${literal(encodeTagValue(r))}`).join(" OR ")})`);
  return `SELECT * FROM ${from}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} GROUP BY *`;
}

function identifier(name: string): string {
  return `"${name.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function serverReason(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: string; message?: string };
    return shortReason(json.error ?? json.message ?? body);
  } catch {
    return shortReason(body) || "no reason given";
  }
}

function reasonOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return "timed out";
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
