import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./errors.js";

/**
 * The environment with the current directory's `.env` underneath it: the file Probot 14 reads,
 * parsed by the same parser (node:util parseEnv). Real environment variables win over the file,
 * as with dotenv and docker compose, so a platform's setting is never overridden by a stale
 * `.env` (Probot's own run() assigns the file over process.env; src/main.ts passes this result
 * to it so the app and the CLI agree). No `.env`: the environment as it is.
 */
export function withDotEnv(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): NodeJS.ProcessEnv {
  const path = join(cwd, ".env");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return env;
    throw new ConfigError(`${path} cannot be read (${code}): fix its permissions, or remove it`);
  }
  return { ...parseEnv(text), ...env };
}
