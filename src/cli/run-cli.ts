import { createRequire } from "node:module";
import yargs, { type Argv } from "yargs";
import { ConfigError, InputError, StoreError } from "../errors.js";
import { commands } from "./commands.js";
import type { CliIo } from "./cli-io.js";
import { processIo } from "./cli-io.js";

/** Exit codes: 0 done, 1 failed (GitHub, the store), 2 bad input or configuration. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

// src/cli and dist/cli are both two levels below package.json.
const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

/** Builds the `pr-telemetry` parser; exported so tests run the CLI in-process. */
export function buildParser(io: CliIo): Argv {
  let parser: Argv = yargs()
    .scriptName("pr-telemetry")
    .usage("$0 <command> [options]")
    .option("debug", { type: "boolean", default: false, describe: "Print stack traces of errors" })
    .demandCommand(1, "Name a command: see pr-telemetry --help")
    .strict()
    .recommendCommands()
    .help()
    .version(version)
    .wrap(Math.min(110, io.columns ?? 80))
    .fail((message, error) => {
      throw error ?? new InputError(message);
    });
  for (const command of commands) parser = parser.command(command.command, command.describe, command.builder, (args) => command.handler(args, io));
  return parser;
}

/** Runs the CLI with `argv`; returns the exit code. Errors are reported once, here, without secrets. */
export async function runCli(argv: string[], io?: CliIo): Promise<number> {
  const debug = argv.includes("--debug");
  let cli: CliIo;
  try {
    cli = io ?? processIo();
  } catch (err) {
    // An unreadable .env: there is no CliIo yet to report through.
    process.stderr.write(`pr-telemetry: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  try {
    const parser = buildParser(cli);
    await parser.parseAsync(joinDashValues(argv), {}, (err, _argv, output) => {
      if (output && !err) cli.stdout(output + "\n");
    });
    return cli.exitCode ?? 0;
  } catch (err) {
    const error = err as Error;
    const usage = error instanceof InputError || error instanceof ConfigError || error.name === "YError";
    cli.stderr(`pr-telemetry: ${usageMessage(error.message, argv)}\n`);
    if (debug && error.stack) cli.stderr(error.stack + "\n");
    if (usage) return EXIT_USAGE;
    return error instanceof StoreError ? EXIT_FAILED : (cli.exitCode ?? EXIT_FAILED);
  }
}

/** yargs' suggestion for a mistyped command says only "Did you mean sweep?": name what was typed too. */
function usageMessage(message: string, argv: string[]): string {
  const typed = argv.find((a) => !a.startsWith("-"));
  if (!/^Did you mean /.test(message) || typed === undefined) return message;
  return `unknown command "${typed}". ${message} (pr-telemetry --help lists the commands)`;
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
