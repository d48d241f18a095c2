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
