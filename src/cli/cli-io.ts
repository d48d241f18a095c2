import { withDotEnv } from "../with-dot-env.js";

/**
 * Where a command writes: results to stdout, diagnostics to stderr. Tests pass a recording
 * implementation; commands set exitCode for "done, but something failed" (exit 1).
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress bars only then). */
  isTTY: boolean;
  /** Whether stdout is a terminal (colours only then). */
  stdoutIsTTY?: boolean | undefined;
  columns?: number | undefined;
  exitCode?: number | undefined;
}

/** The real process's streams, and its environment over the current directory's `.env` (as the app reads it). */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: withDotEnv(process.env),
    isTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns,
  };
}

/** An in-memory CliIo for tests. */
export function memoryIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    env,
    isTTY: false,
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}
