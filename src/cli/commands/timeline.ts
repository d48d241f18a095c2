import { writeFile } from "node:fs/promises";
import type { Argv } from "yargs";
import { loadConfig } from "../../config.js";
import { SOURCES, type SourceName } from "../../dataset/open-point-source.js";
import { formatTimeline } from "../../report/format-timeline.js";
import { buildTimeline } from "../../report/pr-timeline.js";
import { parsePrRef, readPrPoints } from "../../report/read-pr-points.js";
import { renderTimelinePage } from "../../report/timeline-page.js";
import type { CliCommand } from "../command.js";
import type { CliIo } from "../cli-io.js";

interface TimelineArgs {
  pr: string;
  from?: SourceName;
  html: boolean;
  out?: string;
}

/** `pr-telemetry timeline owner/repo#N`: one PR's life in time order, in the terminal or as an HTML page. */
export const timelineCommand: CliCommand = {
  command: "timeline <pr>",
  describe: "One PR's life in time order: observations (what changed), actions (source, reason), the outcome",
  builder: (yargs: Argv) =>
    yargs
      .positional("pr", { type: "string", describe: "owner/repo#123" })
      .option("from", { choices: SOURCES, describe: "Store to read (default: InfluxDB when configured, else the journal)" })
      .option("html", { type: "boolean", default: false, describe: "Write an HTML page (to --out, or stdout)" })
      .option("out", { type: "string", describe: "File to write the HTML page to (with --html)" }),
  handler: async (args: TimelineArgs, io: CliIo) => {
    const { repo, pr } = parsePrRef(args.pr);
    const config = loadConfig(io.env);
    const { points, label } = await readPrPoints(config, args.from, repo, pr);
    const timeline = buildTimeline(repo, pr, points);
    if (!args.html) {
      io.stdout(formatTimeline(timeline, { color: io.stdoutIsTTY === true }));
      return;
    }
    const page = renderTimelinePage(timeline, label, new Date());
    if (args.out) {
      await writeFile(args.out, page);
      io.stderr(`timeline: ${timeline.entries.length} entries of ${repo}#${pr} written to ${args.out}\n`);
    } else {
      io.stdout(page);
    }
  },
};
