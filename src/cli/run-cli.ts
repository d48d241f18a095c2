import yargs, { type Argv } from "yargs";
import { ConfigError, InputError, StoreError } from "../errors.js";
import { commands } from "./commands.js";
import type { CliIo } from "./cli-io.js";
import { processIo } from "./cli-io.js";

/** Exit codes: 0 done, 1 failed (GitHub, the store), 2 bad input or configuration. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Builds the `pr-telemetry` parser; exported so tests run the CLI in-process. */
export function buildParser(io: CliIo): Argv {
  let parser: Argv = yargs()
    .scriptName("pr-telemetry")
    .usage("$0 <command> [options]")
    .option("debug", { type: "boolean", default: false, describe: "Print stack traces of errors" })
    .demandCommand(1, "Name a command: see pr-telemetry --help")
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, io.columns ?? 80))
    .fail((message, error) => {
      throw error ?? new InputError(message);
    });
  for (const command of commands) parser = parser.command(command.command, command.describe, command.builder, (args) => command.handler(args, io));
  return parser;
}

/** Runs the CLI with `argv`; returns the exit code. Errors are reported once, here, without secrets. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    const parser = buildParser(io);
    await parser.parseAsync(joinDashValues(argv), {}, (err, _argv, output) => {
      if (output && !err) io.stdout(output + "\n");
    });
    return io.exitCode ?? 0;
  } catch (err) {
    const error = err as Error;
    const usage = error instanceof InputError || error instanceof ConfigError || error.name === "YError";
    io.stderr(`pr-telemetry: ${error.message}\n`);
    if (debug && error.stack) io.stderr(error.stack + "\n");
    if (usage) return EXIT_USAGE;
    return error instanceof StoreError ? EXIT_FAILED : (io.exitCode ?? EXIT_FAILED);
  }
}

/**
 * yargs reads a lone "-" as a positional argument, but `--out -` means "standard output": join a
 * "-" to the option before it (`--out=-`) so the option gets it as its value.
 */
export function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--") && arg.length > 2 && !arg.includes("=") && argv[i + 1] === "-") {
      out.push(`${arg}=-`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}
