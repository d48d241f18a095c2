import { parseRecordInput, recordInputSchemas } from "../../actions/record-input.js";
import { recordFromCli } from "../record-from-cli.js";
import { outcomePoint } from "../../outcomes/outcome-point.js";
import { resolutionNote } from "../../outcomes/resolution-note.js";
import { resolutionFromJournal } from "../../outcomes/resolution-from-journal.js";
import type { CliCommand } from "../command.js";
import { flagName } from "./record-action.js";

/**
 * `pr-telemetry record-outcome`: the original design's record_outcome, e.g. an escalation GitHub
 * cannot see. Without --resolution-hours, the hours since the PR's creation as the journal knows
 * it (see resolutionFromJournal; InfluxDB is never read first); a PR the journal does not know
 * gets none, and a note on stderr says so.
 * Exit codes: 0 recorded, 1 not recorded, 2 bad input, 3 in the journal but not yet in InfluxDB.
 */
export const recordOutcome: CliCommand = {
  command: "record-outcome",
  describe: "Record the outcome of a pull request (source cli), e.g. escalated",
  builder: (yargs) =>
    yargs
      .option("repo", { type: "string", demandOption: true, describe: "owner/name, e.g. dappcore/core" })
      .option("pr", { type: "string", demandOption: true, describe: "Pull request number" })
      .option("result", { type: "string", demandOption: true, describe: "success, closed, escalated, or another snake_case result" })
      .option("detail", { type: "string", describe: "What happened (at most 1 KiB)" })
      .option("resolution-hours", { type: "number", describe: "Hours from creation to this outcome (default: from the PR's points in the journal)" })
      .option("time", { type: "string", describe: "When it happened, ISO 8601 with at most milliseconds (default: now)" })
      .option("json", { type: "boolean", default: false, describe: "Print what was recorded as JSON" }),
  handler: async (
    args: { repo: string; pr: string; result: string; detail?: string; resolutionHours?: number; time?: string; json: boolean },
    io,
  ) => {
    await recordFromCli(
      io,
      (config) => {
        const { outcome } = recordInputSchemas({ maxFutureHours: config.maxFutureHours });
        const input = parseRecordInput(
          outcome,
          { repo: args.repo, pr: args.pr, result: args.result, detail: args.detail, resolution_hours: args.resolutionHours, time: args.time },
          flagName,
        );
        return async (store) => {
          const now = new Date();
          const at = input.time ?? now;
          if (input.resolution_hours !== undefined) return { point: outcomePoint(input, "cli", now), notes: [] };
          const resolution_hours = await resolutionFromJournal(store.journal.dir, input.repo, input.pr, at, config.maxFutureHours);
          const notes = resolution_hours === undefined ? [resolutionNote(input.repo, input.pr, at, "--resolution-hours")] : [];
          return { point: outcomePoint({ ...input, resolution_hours }, "cli", now), notes };
        };
      },
      { json: args.json },
    );
  },
};
