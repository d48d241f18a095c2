/** A request that never got an HTTP answer: the host could not be resolved, reached or trusted. */
export interface NetworkFailure {
  /** The system's or undici's code: ENOTFOUND, EAI_AGAIN, ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT... */
  code: string;
  /** The host the request went to (host:port when a port was given), when known. */
  host: string | undefined;
}

const DNS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME", "EAI_NODATA"]);
const REFUSED = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
const TIMEOUT = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);
const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EHOSTDOWN", "EADDRNOTAVAIL"]);
const TLS = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_|ERR_SSL_)/;

/**
 * The network failure inside an octokit error, if that is what it is. @octokit/request reports
 * a fetch that failed before any answer as an HTTP 500 whose `cause` chain holds the real error
 * (`TypeError: fetch failed` caused by `getaddrinfo ENOTFOUND host`): without this it reads as
 * "GitHub answered 500". Undefined for a real HTTP answer.
 */
export function networkFailure(error: unknown): NetworkFailure | undefined {
  const code = findCode(error, 0);
  if (!code) return undefined;
  return { code, host: requestHost(error) ?? hostnameOf(error, 0) };
}

/** One line a user can act on: that GitHub was not reached, which host, the code, what to check. */
export function describeNetworkFailure(failure: NetworkFailure): string {
  const where = failure.host ?? "GitHub";
  const what = `could not reach ${where} (${failure.code}`;
  if (DNS.has(failure.code)) {
    return `${what}: a network/DNS error, the host name does not resolve): check GHE_HOST (unset for github.com), the DNS and the network; nothing was read from GitHub`;
  }
  if (TIMEOUT.has(failure.code)) return `${what}: a network timeout): check the network, a firewall or proxy between here and ${where}, and GHE_HOST`;
  if (REFUSED.has(failure.code)) return `${what}: a network error, the connection was refused or cut): check GHE_HOST, GHE_PROTOCOL and that the server is up`;
  if (UNREACHABLE.has(failure.code)) return `${what}: a network error, the host is unreachable): check the network, routes and any proxy`;
  return `${what}: a TLS error, its certificate is not trusted): for a GitHub Enterprise Server with its own CA set NODE_EXTRA_CA_CERTS to the CA file`;
}

/**
 * Whether the failure is about the host rather than one request: its name does not resolve, it
 * refuses connections, no route leads to it, or its certificate is not trusted. Every request to
 * it fails the same way, whereas a reset or a timeout may be one request's bad luck.
 */
export function isHostUnreachable(failure: NetworkFailure): boolean {
  return DNS.has(failure.code) || failure.code === "ECONNREFUSED" || UNREACHABLE.has(failure.code) || TLS.test(failure.code);
}

function isNetworkCode(code: string): boolean {
  return DNS.has(code) || REFUSED.has(code) || TIMEOUT.has(code) || UNREACHABLE.has(code) || TLS.test(code);
}

function findCode(error: unknown, depth: number): string | undefined {
  if (depth > 5 || error === null || typeof error !== "object") return undefined;
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && isNetworkCode(e.code)) return e.code;
  // Happy eyeballs: an AggregateError holds one error per address tried.
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = findCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return findCode(e.cause, depth + 1);
}

function requestHost(error: unknown): string | undefined {
  const url = (error as { request?: { url?: unknown } } | null)?.request?.url;
  if (typeof url !== "string") return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function hostnameOf(error: unknown, depth: number): string | undefined {
  if (depth > 5 || error === null || typeof error !== "object") return undefined;
  const e = error as { hostname?: unknown; host?: unknown; cause?: unknown };
  if (typeof e.hostname === "string") return e.hostname;
  if (typeof e.host === "string") return e.host;
  return hostnameOf(e.cause, depth + 1);
}
