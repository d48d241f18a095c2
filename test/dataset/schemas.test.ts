import { readFile } from "node:fs/promises";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { FIELD_TYPES } from "../../src/store/field-types.js";

async function schema(kind: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(new URL(`../../schemas/${kind}.schema.json`, import.meta.url), "utf8"));
}

async function validator(kind: string) {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats.default(ajv);
  return ajv.compile(await schema(kind));
}

const good = {
  repo: "dappcore/core",
  pr: 315,
  time: "2026-02-05T10:00:00.000Z",
  action: "request_review_fix",
  reason: "threads",
  source: "cli",
  signals: { merge_state: "CLEAN", checks_total: 8, mergeable: true },
  signals_time: "2026-02-05T09:00:00.000Z",
  outcome: { result: "success", detail: "merged", resolution_hours: 4.2, time: "2026-02-05T13:06:00.000Z" },
  hours_to_outcome: 3.1,
};

describe("schemas", () => {
  it("declare every field the app writes, with its JSON type", async () => {
    const jsonType = { integer: "integer", float: "number", boolean: "boolean", string: "string" } as const;
    for (const [kind, measurement] of [["observation", "pr_observation"], ["action", "action_taken"], ["outcome", "outcome"]] as const) {
      const props = (await schema(kind)).properties;
      for (const [field, type] of Object.entries(FIELD_TYPES[measurement]!)) expect(props[field], `${kind}.${field}`).toEqual({ type: jsonType[type] });
    }
    const signals = (await schema("example")).properties.signals.oneOf[1].properties;
    expect(Object.keys(signals).sort()).toEqual(Object.keys(FIELD_TYPES.pr_observation!).sort());
  });

  it("accept the issue's example line and a censored one", async () => {
    const validate = await validator("example");
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true);
    const censored = { ...good, signals: null, signals_time: null, outcome: null, hours_to_outcome: null, censored: true };
    expect(validate(censored), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ["a missing signals key", (({ signals: _s, ...rest }) => rest)(good)],
    ["pr as a string", { ...good, pr: "315" }],
    ["a time without milliseconds", { ...good, time: "2026-02-05T10:00:00Z" }],
    ["outcome null but not censored", { ...good, outcome: null, hours_to_outcome: null }],
    ["censored with an outcome", { ...good, censored: true }],
    ["an extra key", { ...good, label: 1 }],
    ["a signal of the wrong type", { ...good, signals: { checks_total: "8" } }],
    ["signals without their time", { ...good, signals_time: null }],
  ])("refuse an example with %s", async (_, line) => {
    const validate = await validator("example");
    expect(validate(line)).toBe(false);
  });

  it("refuse a raw line without repo/pr/time or with a nested value", async () => {
    const validate = await validator("observation");
    expect(validate({ repo: "o/r", pr: 1, time: "2026-02-05T10:00:00.000Z", author: "a", state: "OPEN" })).toBe(true);
    expect(validate({ repo: "o/r", time: "2026-02-05T10:00:00.000Z" })).toBe(false);
    expect(validate({ repo: "o/r", pr: 1, time: "2026-02-05T10:00:00.000Z", extra: { nested: true } })).toBe(false);
  });
});

describe("the schema-2 example schema", () => {
  const horizon = { censored: false, checks_failing_zero: true, threads_unresolved_zero: false, mergeable: true, merge_state_clean: false, reviews_approved_rose: false, retried: false, improved: true };
  const censoredHorizon = { censored: true, checks_failing_zero: null, threads_unresolved_zero: null, mergeable: null, merge_state_clean: null, reviews_approved_rose: null, retried: null, improved: null };
  const v2 = {
    ...good,
    signals: { ...good.signals, pr_age_hours: 10.25 },
    author: "google-labs-jules[bot]",
    author_kind: "agent",
    agent: "jules",
    signals_age_s: 3600,
    history: {
      observed_hours: 2,
      hours_in_merge_state: { BEHIND: 0, BLOCKED: 1, CLEAN: 0, DIRTY: 1, DRAFT: 0, HAS_HOOKS: 0, UNKNOWN: 0, UNSTABLE: 0 },
      hours_draft: 0,
      pushes: 1,
      review_rounds: 0,
      check_failures: 1,
      check_fail_pass_flips: 0,
      prior_actions: 1,
      prior_same_action: 0,
      prior_actions_by_type: { wait: 1 },
      hours_since_last_action: 0.5,
    },
    next_observation_time: "2026-02-05T10:30:00.000Z",
    next_observation_changed: ["checks_failing"],
    labels: { h1: horizon, h6: horizon, h24: censoredHorizon },
    outcome_class: "merged_with_iteration",
    censored: false,
  };

  it("declares every signal and accepts a line and a censored one", async () => {
    const signals = (await schema("example-v2")).properties.signals.oneOf[1].properties;
    expect(Object.keys(signals).sort()).toEqual(Object.keys(FIELD_TYPES.pr_observation!).sort());
    expect(signals.pr_age_hours).toEqual({ type: "number", minimum: 0 });
    const validate = await validator("example-v2");
    expect(validate(v2), JSON.stringify(validate.errors)).toBe(true);
    const open = { ...v2, outcome: null, hours_to_outcome: null, outcome_class: "open", censored: true };
    expect(validate(open), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ["a censored horizon with a value", { ...v2, labels: { ...v2.labels, h24: { ...censoredHorizon, improved: false } } }],
    ["a known horizon with a null", { ...v2, labels: { ...v2.labels, h1: { ...horizon, retried: null } } }],
    ["class open with an outcome", { ...v2, outcome_class: "open" }],
    ["censored with a class", { ...v2, outcome: null, hours_to_outcome: null, censored: true }],
    ["an unknown author kind", { ...v2, author_kind: "robot" }],
    ["a missing history key", { ...v2, history: { ...v2.history, pushes: undefined } }],
    ["signals without their age", { ...v2, signals_age_s: null }],
    ["an extra key", { ...v2, label: 1 }],
  ])("refuses a line with %s", async (_, line) => {
    const validate = await validator("example-v2");
    expect(validate(JSON.parse(JSON.stringify(line)))).toBe(false);
  });
});
