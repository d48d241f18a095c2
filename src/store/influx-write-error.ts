import { StoreError } from "../errors.js";

/**
 * What kind of failure a write to InfluxDB was; the forwarder acts on it:
 * - "rejected": InfluxDB refused the lines themselves (HTTP 400: malformed line, field type
 *   conflict; 413: body too large). Retrying the same lines would fail forever, so the batch is
 *   split until the offending lines are found and set aside in the dead-letter file.
 * - "unauthorized": 401/403. A configuration problem (token, permissions): keep the backlog, retry
 *   with backoff, say what to fix.
 * - "misconfigured": any other 4xx, such as 404 for a missing database or bucket: same as above.
 * - "unavailable": 429, 5xx, a timeout or no connection: keep the backlog, retry with backoff
 *   (honouring Retry-After).
 */
export type InfluxFailure = "rejected" | "unauthorized" | "misconfigured" | "unavailable";

/** A failed write to InfluxDB. The message carries the server's reason, never a token. */
export class InfluxWriteError extends StoreError {
  override name = "InfluxWriteError";
  constructor(
    message: string,
    readonly failure: InfluxFailure,
    /** The HTTP status, when InfluxDB answered. */
    readonly status?: number,
    /** How long the server asked us to wait (Retry-After), in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Classifies an HTTP status from a write endpoint. */
export function failureOfStatus(status: number): InfluxFailure {
  if (status === 400 || status === 413) return "rejected";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 429 || status >= 500) return "unavailable";
  return "misconfigured";
}

/** Retry-After (seconds or an HTTP date) in ms, or undefined. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The advice that goes with a failure, for logs and the CLI. */
export function adviceFor(failure: InfluxFailure, api: "v1" | "v2"): string {
  switch (failure) {
    case "unauthorized":
      return api === "v2"
        ? "check INFLUX_TOKEN (or INFLUX_TOKEN_FILE): it needs write access to INFLUX_BUCKET in INFLUX_ORG"
        : "check INFLUX_USERNAME and INFLUX_PASSWORD: the user needs WRITE on INFLUX_DATABASE";
    case "misconfigured":
      return api === "v2"
        ? "check INFLUX_HOST, INFLUX_ORG and INFLUX_BUCKET: the bucket must exist"
        : "check INFLUX_HOST and INFLUX_DATABASE: create the database (CREATE DATABASE) or fix the name";
    case "unavailable":
      return "InfluxDB is down or overloaded; points wait in the journal and are sent when it answers";
    case "rejected":
      return "the offending lines are set aside in DATA_DIR/dead-letter with the server's reason";
  }
}

/**
 * A server's reason, cut to `max` characters: InfluxDB 1.x quotes every line it could not parse,
 * so the answer to a 10,000-line batch can run to megabytes.
 */
export function shortReason(reason: string, max = 1000): string {
  const text = reason.trim();
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}
