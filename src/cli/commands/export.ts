import type { Argv } from "yargs";
import { loadConfig } from "../../config.js";
import { InputError } from "../../errors.js";
import { EXPORT_KINDS, SCHEMAS, type ExportKind, type SchemaVersion } from "../../dataset/export-lines.js";
import { FORMATS, type ExportFormat } from "../../dataset/write-export.js";
import { DEFAULT_REPO_CONFIG_PATH, loadAgentLogins } from "../load-agent-logins.js";
import { exportDataset, formatExportSummary } from "../../dataset/export-dataset.js";
import { SOURCES, type SourceName } from "../../dataset/open-point-source.js";
import { parseSplit } from "../../dataset/parse-split.js";
import { parseTimeWindow } from "../../dataset/parse-time-arg.js";
import { REPO_NAME } from "../../github/repo-name.js";
import type { CliCommand } from "../command.js";
import type { CliIo } from "../cli-io.js";

/** Reads the repeatable `--repo owner/name`. */
export function parseRepos(values: unknown): string[] {
  const repos = (Array.isArray(values) ? values : values === undefined ? [] : [values]).map(String);
  for (const repo of repos) {
    if (!REPO_NAME.test(repo)) throw new InputError(`--repo "${repo}" is not owner/name, e.g. --repo dappcore/core`, "repo");
  }
  return repos;
}

interface ExportArgs {
  from?: SourceName;
  since?: string;
  until?: string;
  repo?: string[];
  kind: ExportKind;
  out: string;
  split?: string;
  schema: SchemaVersion;
  format: ExportFormat;
  "repo-config"?: string;
}

/** `pr-telemetry export`: the training dataset as JSON lines or Parquet (see src/dataset). */
export const exportCommand: CliCommand = {
  command: "export",
  describe: "Export training examples (features as of the action -> action -> labels, outcome) or raw points, as JSON lines or Parquet",
  builder: (yargs: Argv) =>
    yargs
      .option("from", { choices: SOURCES, describe: "Store to read (default: InfluxDB when configured, else the journal)" })
      .option("since", { type: "string", describe: "Only actions/points from then: 90d, 12h, 2026-02-05 or an ISO time" })
      .option("until", { type: "string", describe: "Only data up to then: a date, an ISO time or a duration ago" })
      .option("repo", { type: "string", array: true, describe: "owner/name; repeat for several" })
      .option("kind", { choices: EXPORT_KINDS, default: "examples" as ExportKind, describe: "What a line is" })
      .option("out", { type: "string", default: "-", describe: "Output file, or - for stdout" })
      .option("split", { type: "string", describe: "train,validation,test shares (e.g. 0.8,0.1,0.1): three files beside --out" })
      .option("schema", { choices: SCHEMAS, default: 2 as SchemaVersion, type: "number", describe: "Examples' schema: 2 (features as of the action, labels) or 1 (the former lines)" })
      .option("format", { choices: FORMATS, default: "jsonl" as ExportFormat, describe: "jsonl, or parquet (schema-2 examples; needs --out FILE)" })
      .option("repo-config", { type: "string", describe: `A pr-telemetry.yml whose agents: extend the agent logins (default: ${DEFAULT_REPO_CONFIG_PATH} when present)` }),
  handler: async (args: ExportArgs, io: CliIo) => {
    const now = new Date();
    const { since, until } = parseTimeWindow(args, now);
    const repos = parseRepos(args.repo);
    const split = args.split === undefined ? undefined : parseSplit(args.split);
    if (args.out.trim() === "") throw new InputError("--out needs a file name, or - for stdout", "out");
    const config = loadConfig(io.env);
    const agents = await loadAgentLogins(config, args["repo-config"]);
    let progressShown = false;
    const summary = await exportDataset(
      config,
      { kind: args.kind, schema: args.schema, format: args.format, agents, from: args.from, since, until, repos, out: args.out, split, now },
      {
        stdout: (text) => io.stdout(text),
        onProgress: io.isTTY
          ? (counts) => {
              progressShown = true;
              io.stderr(`\rexport: ${counts.read.toLocaleString("en-US")} points read`);
            }
          : undefined,
      },
    );
    if (progressShown) io.stderr("\r\u001b[K");
    io.stderr(formatExportSummary(summary));
  },
};
