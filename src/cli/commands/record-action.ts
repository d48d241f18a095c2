import { actionPoint } from "../../actions/action-point.js";
import { KNOWN_ACTIONS, parseRecordInput, recordInputSchemas } from "../../actions/record-input.js";
import { recordFromCli } from "../record-from-cli.js";
import type { CliCommand } from "../command.js";

/** The --flag spelling of an input field, for error messages. */
export const flagName = (key: string) => `--${key.replace(/_/g, "-")}`;

/**
 * `pr-telemetry record-action`: the original design's record_action, into the app's store.
 * Exit codes: 0 recorded, 1 not recorded, 2 bad input, 3 in the journal but not yet in InfluxDB.
 */
export const recordAction: CliCommand = {
  command: "record-action",
  describe: "Record an orchestrator action on a pull request (source cli)",
  builder: (yargs) =>
    yargs
      .option("repo", { type: "string", demandOption: true, describe: "owner/name, e.g. dappcore/core" })
      .option("pr", { type: "string", demandOption: true, describe: "Pull request number" })
      .option("action", { type: "string", demandOption: true, describe: `snake_case, e.g. ${KNOWN_ACTIONS.slice(0, 4).join(", ")}` })
      .option("reason", { type: "string", describe: "Why (at most 1 KiB)" })
      .option("time", { type: "string", describe: "When it happened, ISO 8601 with at most milliseconds (default: now)" })
      .option("actor", { type: "string", describe: "GitHub login that acted" })
      .option("json", { type: "boolean", default: false, describe: "Print what was recorded as JSON" }),
  handler: async (args: { repo: string; pr: string; action: string; reason?: string; time?: string; actor?: string; json: boolean }, io) => {
    await recordFromCli(
      io,
      (config) => {
        const { action } = recordInputSchemas({ maxFutureHours: config.maxFutureHours });
        const input = parseRecordInput(
          action,
          { repo: args.repo, pr: args.pr, action: args.action, reason: args.reason, time: args.time, actor: args.actor },
          flagName,
        );
        return async () => ({ point: actionPoint(input, "cli", new Date()), notes: [] });
      },
      { json: args.json },
    );
  },
};
