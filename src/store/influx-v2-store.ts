import { flux, fluxExpression, HttpError, InfluxDB, type FluxTableColumn } from "@influxdata/influxdb-client";
import { StoreError } from "../errors.js";
import { decodeTagValue, encodeTagValue, lineCount, restoreFieldValue, toLineProtocol } from "./influx-line.js";
import type { InfluxStore } from "./influx-store.js";
import { adviceFor, failureOfStatus, InfluxWriteError, parseRetryAfter, shortReason } from "./influx-write-error.js";
import type { FieldValue, Point } from "./point.js";
import type { ReadRange } from "./store.js";

export interface InfluxV2Options {
  url: string;
  org: string;
  bucket: string;
  token: string;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Bodies larger than this many bytes are gzipped (default 1000). */
  gzipThreshold?: number;
}

/** The latest time Flux can represent is 2262-04-11; reads without `until` stop before it. */
const FAR_FUTURE = new Date("2262-01-01T00:00:00Z");

/**
 * InfluxDB 2 (and InfluxDB 3, which accepts the v2 write API) through @influxdata/influxdb-client:
 * POST /api/v2/write?org=&bucket=&precision=ms with `Authorization: Token`, gzipped above 1 kB;
 * reads with Flux through the client's QueryApi, parameters bound with its `flux` template.
 */
export class InfluxV2Store implements InfluxStore {
  readonly name = "influx-v2";
  readonly api = "v2";
  readonly target: string;
  #options: InfluxV2Options;
  #client: InfluxDB;

  constructor(options: InfluxV2Options) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, "") };
    this.target = `${this.#options.url} org ${options.org} bucket ${options.bucket}`;
    this.#client = new InfluxDB({ url: this.#options.url, token: options.token, timeout: options.timeoutMs ?? 10_000 });
  }

  async write(points: Point[]): Promise<void> {
    if (points.length) await this.writeLines(points.map(toLineProtocol));
  }

  /** One request; an element of `lines` may hold several lines joined by "\n" (the client joins records with "\n"). */
  async writeLines(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    let failure: unknown;
    // One WriteApi per batch, sent by flush(): the client's own batching, timer and retry buffer
    // are switched off (maxRetries 0, no flush interval, a batch size above any batch). That
    // buffer drops points after its retries or past maxBufferLines and close() discards pending
    // retries, so durability lives in the journal + checkpoint and retrying in the forwarder.
    // writeFailed hands the error back instead of letting the client log it to the console.
    const api = this.#client.getWriteApi(this.#options.org, this.#options.bucket, "ms", {
      batchSize: lines.length + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: 0,
      gzipThreshold: this.#options.gzipThreshold ?? 1000,
      writeFailed(error) {
        failure = error;
        return Promise.reject(error);
      },
    });
    api.writeRecords(lines);
    try {
      await api.flush();
    } catch (err) {
      throw toWriteError(failure ?? err, lineCount(lines));
    } finally {
      await api.close().catch(() => undefined);
    }
  }

  /**
   * Streams points back with Flux: one row per point after pivoting fields into columns. Columns
   * in the group key are the tags (decoded, see encodeTagValue); the rest are fields, typed per
   * their declaration. Rows are consumed as they arrive (iterateRows), never collected.
   */
  async *read(range?: ReadRange, onSkip?: (reason: string) => void): AsyncIterable<Point> {
    const queryApi = this.#client.getQueryApi(this.#options.org);
    const stop = range?.until ? new Date(range.until.getTime() + 1) : FAR_FUTURE;
    const filters: string[] = [];
    if (range?.measurements?.length) {
      filters.push(flux`|> filter(fn: (r) => contains(value: r._measurement, set: ${range.measurements}))`.toString());
    }
    if (range?.repos?.length) {
      filters.push(flux`|> filter(fn: (r) => contains(value: r.repo, set: ${range.repos.map(encodeTagValue)}))`.toString());
    }
    const query = flux`from(bucket: ${this.#options.bucket})
  |> range(start: ${range?.since ?? new Date(0)}, stop: ${stop})
  ${fluxExpression(filters.join("\n  "))}
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumnKey: "_value")`;
    try {
      for await (const { values, tableMeta } of queryApi.iterateRows(query)) {
        let point: Point;
        try {
          point = pointOfRow(values, tableMeta.columns);
        } catch (err) {
          if (!(err instanceof StoreError)) throw err;
          onSkip?.(err.message);
          continue;
        }
        yield point;
      }
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const e = toWriteError(err, 0);
      throw new StoreError(`cannot read from InfluxDB at ${this.#options.url}: ${e.message.replace(/^InfluxDB refused a write of 0 lines/, "InfluxDB refused the query")}`);
    }
  }

  async ping(timeoutMs = 2000): Promise<boolean> {
    try {
      const res = await fetch(`${this.#options.url}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.status === 204 || res.status === 200;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}
}

const SYSTEM_COLUMNS = new Set(["", "result", "table", "_start", "_stop", "_time", "_measurement", "_field", "_value"]);

function pointOfRow(values: string[], columns: FluxTableColumn[]): Point {
  let measurement = "";
  let time = new Date(NaN);
  const tags: Record<string, string> = {};
  const raw: Array<[string, unknown]> = [];
  let seenResult = false;
  let seenTable = false;
  for (const column of columns) {
    const label = column.label;
    // The CSV's own "result" and "table" columns come first; a field of the same name (outcome's
    // `result`) is a later column with that label.
    if (label === "result" && !seenResult) {
      seenResult = true;
      continue;
    }
    if (label === "table" && !seenTable) {
      seenTable = true;
      continue;
    }
    const value = column.get(values) as unknown;
    if (label === "_measurement") measurement = String(value);
    else if (label === "_time") time = new Date(String(values[column.index]));
    else if (label !== "result" && label !== "table" && SYSTEM_COLUMNS.has(label)) continue;
    else if (column.group) {
      if (value !== null && value !== undefined && value !== "") tags[label] = decodeTagValue(String(value));
    } else raw.push([label, value]);
  }
  const fields: Record<string, FieldValue> = {};
  for (const [key, value] of raw) {
    const typed = restoreFieldValue(measurement, key, value);
    if (typed !== undefined) fields[key] = typed;
  }
  return { measurement, time, tags, fields };
}

function toWriteError(err: unknown, count: number): InfluxWriteError {
  if (err instanceof InfluxWriteError) return err;
  if (err instanceof HttpError) {
    const failure = failureOfStatus(err.statusCode);
    const reason = (err.json as { message?: string } | undefined)?.message ?? err.body ?? err.statusMessage ?? "no reason given";
    // The client's retryAfter() gives whole seconds only; parse the header for HTTP dates too.
    const header = err.headers?.["retry-after"];
    const retryAfter = parseRetryAfter(Array.isArray(header) ? header[0] : header) ?? err.retryAfter() * 1000;
    return new InfluxWriteError(
      `InfluxDB refused a write of ${count} lines (HTTP ${err.statusCode}: ${shortReason(String(reason))}); ${adviceFor(failure, "v2")}`,
      failure,
      err.statusCode,
      retryAfter > 0 ? retryAfter : undefined,
    );
  }
  const e = err as Error & { code?: string };
  return new InfluxWriteError(`InfluxDB did not answer: ${e.code ?? e.message}`, "unavailable");
}
