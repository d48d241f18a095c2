/**
 * A request URL with every query value replaced by `[redacted]` (names kept, for debugging):
 * `/api/actions?token=s3cret` → `/api/actions?token=[redacted]`. A client may put a secret in a
 * query string; it must not reach a log.
 */
export function redactQuery(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split("&")
    .map((param) => {
      const eq = param.indexOf("=");
      if (eq < 0) return param === "" ? param : "[redacted]";
      return `${param.slice(0, eq)}=[redacted]`;
    });
  return `${url.slice(0, q)}?${params.join("&")}`;
}

/** A request log line (`POST /api/actions?token=s3cret 401 - 3ms`, as Probot's pino-http writes it) with its query redacted. */
export function redactRequestLine(message: string): string {
  if (!message.includes("?")) return message;
  return message.replace(/^([A-Z]+ )(\S+)/, (_all, method: string, url: string) => method + redactQuery(url));
}
