import type { Argv } from "yargs";
import type { CliIo } from "./cli-io.js";

/** A CLI command as an object (release-please style): listed in commands.ts. */
export interface CliCommand {
  command: string;
  describe: string;
  // yargs' builder types do not compose across a heterogeneous list; each command types its own args.
  builder: (yargs: Argv) => Argv<any>;
  handler: (args: any, io: CliIo) => Promise<void>;
}
