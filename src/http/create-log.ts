import { getTransformStream } from "@probot/pino";
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogConfig } from "../config.js";
import { redactQuery, redactRequestLine } from "./redact-query.js";

/**
 * The app's logger: Probot's own (pino through @probot/pino's transform, as Probot's `getLog`
 * builds it from LOG_LEVEL, LOG_FORMAT, ...), plus redaction of what a request log must not
 * carry: query values (`?token=[redacted]`) in the request URL and in pino-http's message, and the
 * Authorization and Cookie headers (the actions API's Bearer token).
 *
 * Why a logger of our own: Probot's Server logs every request with pino-http, built from the
 * logger it is given and no options of ours; the only way to redact those lines is to hand
 * Probot's `run` a logger that redacts.
 */
export async function createLog(config: LogConfig, destination: DestinationStream = pino.destination(1)): Promise<Logger> {
  const transform = await getTransformStream({ logFormat: config.format, logLevelInString: config.levelInString, sentryDsn: config.sentryDsn });
  transform.pipe(destination as NodeJS.WritableStream);
  return pino(
    {
      level: config.level,
      name: "probot",
      messageKey: config.messageKey ?? "msg",
      redact: {
        paths: ["req.url", "req.headers.authorization", "req.headers.cookie"],
        censor: (value: unknown, path: string[]) => (path[path.length - 1] === "url" && typeof value === "string" ? redactQuery(value) : "[redacted]"),
      },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const arg: unknown = args[i];
            if (typeof arg === "string") (args as unknown[])[i] = redactRequestLine(arg);
          }
          return method.apply(this, args);
        },
      },
    },
    transform,
  );
}
