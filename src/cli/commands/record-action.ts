import { actionPoint } from "../../actions/action-point.js";
import { actionInputSchema, KNOWN_ACTIONS, parseRecordInput } from "../../actions/record-input.js";
import { recordFromCli } from "../../actions/record-from-cli.js";
import type { CliCommand } from "../command.js";

/** The --flag spelling of an input field, for error messages. */
export const flagName = (key: string) => `--${key.replace(/_/g, "-")}`;

/** `pr-telemetry record-action`: the original design's record_action, into the app's store. */
export const recordAction: CliCommand = {
  command: "record-action",
  describe: "Record an orchestrator action on a pull request (source cli)",
  builder: (yargs) =>
    yargs
      .option("repo", { type: "string", demandOption: true, describe: "owner/name, e.g. dappcore/core" })
      .option("pr", { type: "string", demandOption: true, describe: "Pull request number" })
      .option("action", { type: "string", demandOption: true, describe: `snake_case, e.g. ${KNOWN_ACTIONS.slice(0, 4).join(", ")}` })
      .option("reason", { type: "string", describe: "Why (at most 1 KiB)" })
      .option("time", { type: "string", describe: "When it happened, ISO 8601 (default: now)" })
      .option("actor", { type: "string", describe: "GitHub login that acted" }),
  handler: async (args: { repo: string; pr: string; action: string; reason?: string; time?: string; actor?: string }, io) => {
    const input = parseRecordInput(
      actionInputSchema,
      { repo: args.repo, pr: args.pr, action: args.action, reason: args.reason, time: args.time, actor: args.actor },
      flagName,
    );
    await recordFromCli(io, async () => actionPoint(input, "cli", new Date()));
  },
};
