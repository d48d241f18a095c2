import { outcomeInputSchema, parseRecordInput } from "../../actions/record-input.js";
import { recordFromCli } from "../../actions/record-from-cli.js";
import { outcomePoint } from "../../outcomes/outcome-point.js";
import { resolutionFromStore } from "../../outcomes/resolution-from-store.js";
import type { CliCommand } from "../command.js";
import { flagName } from "./record-action.js";

/**
 * `pr-telemetry record-outcome`: the original design's record_outcome, e.g. an escalation GitHub
 * cannot see. Without --resolution-hours, the hours since the PR's creation as the store knows
 * it (see resolutionFromStore); a PR never observed gets none.
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
      .option("resolution-hours", { type: "number", describe: "Hours from creation to this outcome (default: from the PR's observations in the store)" })
      .option("time", { type: "string", describe: "When it happened, ISO 8601 (default: now)" }),
  handler: async (
    args: { repo: string; pr: string; result: string; detail?: string; resolutionHours?: number; time?: string },
    io,
  ) => {
    const input = parseRecordInput(
      outcomeInputSchema,
      { repo: args.repo, pr: args.pr, result: args.result, detail: args.detail, resolution_hours: args.resolutionHours, time: args.time },
      flagName,
    );
    await recordFromCli(io, async (store) => {
      const now = new Date();
      const resolution_hours = input.resolution_hours ?? (await resolutionFromStore(store, input.repo, input.pr, input.time ?? now));
      return outcomePoint({ ...input, resolution_hours }, "cli", now);
    });
  },
};
