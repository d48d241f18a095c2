import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const workflow = parse(readFileSync(new URL("../../examples/workflows/sweep.yml", import.meta.url), "utf8"));

describe("examples/workflows/sweep.yml", () => {
  it("runs every 15 minutes and on demand, one run at a time", () => {
    expect(workflow.on.schedule).toEqual([{ cron: "*/15 * * * *" }]);
    expect(workflow.on).toHaveProperty("workflow_dispatch");
    expect(workflow.concurrency).toEqual({ group: "pr-telemetry-sweep", "cancel-in-progress": false });
  });

  it("installs with npm ci and runs the sweep with the app's credentials and InfluxDB from secrets", () => {
    const steps = workflow.jobs.sweep.steps as Array<{ uses?: string; run?: string; env?: Record<string, string> }>;
    expect(steps.map((s) => s.uses ?? s.run)).toEqual([
      "actions/checkout@v4",
      "actions/setup-node@v4",
      "npm ci",
      "npx pr-telemetry sweep ${{ inputs.dry-run && '--dry-run' || '' }}",
    ]);
    const env = steps[3]!.env!;
    expect(env.APP_ID).toBe("${{ secrets.PR_TELEMETRY_APP_ID }}");
    expect(env.PRIVATE_KEY).toBe("${{ secrets.PR_TELEMETRY_PRIVATE_KEY }}");
    for (const name of ["INFLUX_HOST", "INFLUX_TOKEN", "INFLUX_ORG", "INFLUX_BUCKET", "INFLUX_DATABASE"]) {
      expect(env[name]).toBe(`\${{ secrets.${name} }}`);
    }
    expect(env.SWEEP_INTERVAL_MINUTES).toBe("15");
  });
});
