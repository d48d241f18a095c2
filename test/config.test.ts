import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "config-home-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** loadConfig with an empty HOME so a developer's own ~/.influx_token never leaks in. */
const load = (env: Record<string, string>) => loadConfig({ HOME: home, ...env });
const fails = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("loadConfig: InfluxDB selection", () => {
  it("uses the journal alone when neither a token nor INFLUX_DATABASE is given", () => {
    const config = load({});
    expect(config.influx).toBeUndefined();
    expect(config.warnings).toEqual([]);
  });

  it("INFLUX_TOKEN selects the v2 API with the original design's defaults", () => {
    expect(load({ INFLUX_TOKEN: " tok " }).influx).toEqual({
      api: "v2",
      url: "http://localhost:8086",
      org: "agentic",
      bucket: "training",
      token: "tok",
      tokenSource: "INFLUX_TOKEN",
    });
    expect(load({ INFLUX_TOKEN: "t", INFLUX_HOST: "https://influx.example:8086/", INFLUX_ORG: "o", INFLUX_BUCKET: "b" }).influx).toMatchObject({
      url: "https://influx.example:8086",
      org: "o",
      bucket: "b",
    });
  });

  it("reads the token from INFLUX_TOKEN_FILE; warns (chmod 600) when others can read it", async () => {
    const file = join(home, "secret");
    await writeFile(file, "file-token\n");
    await chmod(file, 0o600);
    const quiet = load({ INFLUX_TOKEN_FILE: file });
    expect(quiet.influx).toMatchObject({ api: "v2", token: "file-token", tokenSource: file });
    expect(quiet.warnings).toEqual([]);
    await chmod(file, 0o644);
    expect(load({ INFLUX_TOKEN_FILE: file }).warnings).toEqual([`INFLUX_TOKEN_FILE (${file}) is readable by group or others: run chmod 600 ${file}`]);
  });

  it("INFLUX_TOKEN wins over a token file", async () => {
    await writeFile(join(home, ".influx_token"), "home-token");
    expect(load({ INFLUX_TOKEN: "env-token" }).influx).toMatchObject({ token: "env-token", tokenSource: "INFLUX_TOKEN" });
  });

  it("falls back to ~/.influx_token as the original design keeps it, warning when it is not chmod 600", async () => {
    const file = join(home, ".influx_token");
    await writeFile(file, "home-token\n");
    await chmod(file, 0o640);
    const config = load({});
    expect(config.influx).toMatchObject({ api: "v2", token: "home-token", tokenSource: file });
    expect(config.warnings).toEqual([`~/.influx_token (${file}) is readable by group or others: run chmod 600 ${file}`]);
    await chmod(file, 0o600);
    expect(load({}).warnings).toEqual([]);
  });

  it("an empty ~/.influx_token means no InfluxDB, with a warning", async () => {
    const file = join(home, ".influx_token");
    await writeFile(file, "\n");
    await chmod(file, 0o600);
    const config = load({});
    expect(config.influx).toBeUndefined();
    expect(config.warnings).toEqual([`~/.influx_token (${file}) is empty: InfluxDB is not used; put the API token in it or set INFLUX_TOKEN`]);
  });

  it("INFLUX_DATABASE selects the v1 API, with retention policy and credentials", () => {
    expect(load({ INFLUX_DATABASE: "training" }).influx).toEqual({
      api: "v1",
      url: "http://localhost:8086",
      database: "training",
      retentionPolicy: undefined,
      username: undefined,
      password: undefined,
    });
    expect(load({ INFLUX_DATABASE: "d", INFLUX_RETENTION_POLICY: "autogen", INFLUX_USERNAME: "u", INFLUX_PASSWORD: "p" }).influx).toMatchObject({
      retentionPolicy: "autogen",
      username: "u",
      password: "p",
    });
  });

  it("a ~/.influx_token does not interfere with INFLUX_DATABASE", async () => {
    await writeFile(join(home, ".influx_token"), "home-token");
    expect(load({ INFLUX_DATABASE: "d" }).influx?.api).toBe("v1");
  });
});

describe("loadConfig: InfluxDB misconfiguration names the variable and what to set", () => {
  it("a token file that cannot be read", () => {
    const file = join(home, "missing");
    expect(fails({ INFLUX_TOKEN_FILE: file })).toBe(`INFLUX_TOKEN_FILE names "${file}", which cannot be read (ENOENT): check the path and its permissions`);
  });

  it("an empty token file", async () => {
    const file = join(home, "empty");
    await writeFile(file, "  \n");
    expect(fails({ INFLUX_TOKEN_FILE: file })).toBe(`INFLUX_TOKEN_FILE names "${file}", which is empty: put the API token in it`);
  });

  it("a bucket or org without a token", () => {
    expect(fails({ INFLUX_BUCKET: "training" })).toMatch(/^INFLUX_BUCKET\/INFLUX_ORG are set but no InfluxDB token was found: set INFLUX_TOKEN or INFLUX_TOKEN_FILE/);
  });

  it("a bucket with an empty org", () => {
    expect(fails({ INFLUX_TOKEN: "t", INFLUX_BUCKET: "b", INFLUX_ORG: " " })).toMatch(/^INFLUX_BUCKET is set but INFLUX_ORG is empty/);
  });

  it("v1 and v2 settings mixed", () => {
    expect(fails({ INFLUX_DATABASE: "d", INFLUX_TOKEN: "t", INFLUX_BUCKET: "b" })).toBe(
      "INFLUX_DATABASE selects the InfluxDB 1.x API, but INFLUX_TOKEN, INFLUX_BUCKET are for the v2 API: for InfluxDB 2/3 remove INFLUX_DATABASE, for InfluxDB 1.x remove INFLUX_TOKEN, INFLUX_BUCKET",
    );
  });

  it("v1 credentials half given, or without a database", () => {
    expect(fails({ INFLUX_DATABASE: "d", INFLUX_USERNAME: "u" })).toMatch(/^INFLUX_USERNAME and INFLUX_PASSWORD go together/);
    expect(fails({ INFLUX_USERNAME: "u", INFLUX_PASSWORD: "p" })).toMatch(/^INFLUX_USERNAME\/INFLUX_PASSWORD are only used with the v1 API: set INFLUX_DATABASE/);
    expect(fails({ INFLUX_RETENTION_POLICY: "autogen" })).toMatch(/^INFLUX_RETENTION_POLICY is only used with the v1 API/);
  });

  it("an INFLUX_HOST that is not an http(s) URL", () => {
    expect(fails({ INFLUX_HOST: "localhost:8086", INFLUX_TOKEN: "t" })).toBe(
      'Invalid configuration: INFLUX_HOST must be an http(s) URL such as http://localhost:8086, got "localhost:8086"',
    );
  });

  it("INFLUX_HOST alone is a warning: InfluxDB is not used", () => {
    const config = load({ INFLUX_HOST: "http://influx:8086" });
    expect(config.influx).toBeUndefined();
    expect(config.warnings[0]).toMatch(/^INFLUX_HOST is set but neither a token .* nor INFLUX_DATABASE is/);
  });
});

describe("loadConfig: SWEEP_FIRST_DELAY_SECONDS", () => {
  it("is unset by default (the scheduler's random 10-60 s) and takes whole seconds from 0", () => {
    expect(load({}).sweepFirstDelaySeconds).toBeUndefined();
    expect(load({ SWEEP_FIRST_DELAY_SECONDS: "0" }).sweepFirstDelaySeconds).toBe(0);
    expect(load({ SWEEP_FIRST_DELAY_SECONDS: "30" }).sweepFirstDelaySeconds).toBe(30);
    expect(fails({ SWEEP_FIRST_DELAY_SECONDS: "-5" })).toContain("SWEEP_FIRST_DELAY_SECONDS must be a whole number >= 0");
  });
});

describe("loadConfig: GITHUB_MIN_INTERVAL_MS", () => {
  it("defaults to Probot's second, takes whole milliseconds from 100 and names the variable otherwise", () => {
    expect(load({}).github.minIntervalMs).toBe(1000);
    expect(load({ GITHUB_MIN_INTERVAL_MS: "2500" }).github.minIntervalMs).toBe(2500);
    expect(fails({ GITHUB_MIN_INTERVAL_MS: "50" })).toContain('GITHUB_MIN_INTERVAL_MS must be a whole number >= 100, got "50"');
    expect(fails({ GITHUB_MIN_INTERVAL_MS: "1s" })).toContain("GITHUB_MIN_INTERVAL_MS");
  });
});

describe("loadConfig: replicas", () => {
  it("without REDIS_URL: one instance; the replica is named after the host and process unless REPLICA_ID names it", () => {
    const config = load({});
    expect(config.replicas.redisUrl).toBeUndefined();
    expect(config.replicas.replicaId).toMatch(new RegExp(`-${process.pid}$`));
    expect(load({ REPLICA_ID: " web-2 " }).replicas.replicaId).toBe("web-2");
  });

  it("REDIS_URL takes redis:// and rediss:// URLs, and names the variable (not the password) when it is wrong", () => {
    expect(load({ REDIS_URL: "redis://:secret@10.0.0.5:6379/2" }).replicas.redisUrl).toBe("redis://:secret@10.0.0.5:6379/2");
    expect(load({ REDIS_URL: "rediss://cache.example:6380" }).replicas.redisUrl).toBe("rediss://cache.example:6380");
    expect(load({ REDIS_URL: " " }).replicas.redisUrl).toBeUndefined();
    const message = fails({ REDIS_URL: "http://:hunter2@cache:6379" });
    expect(message).toContain("REDIS_URL must be a redis:// or rediss:// URL");
    expect(message).not.toContain("hunter2");
  });
});

describe("loadConfig: PR_TELEMETRY_AGENTS", () => {
  it("reads login=agent pairs (commas or spaces), empty by default", () => {
    expect(load({}).agentLogins).toEqual({});
    expect(load({ PR_TELEMETRY_AGENTS: "my-agent[bot]=myagent, Other=amazon-q" }).agentLogins).toEqual({ "my-agent[bot]": "myagent", Other: "amazon-q" });
  });

  it("refuses an entry that is not login=agent, naming it", () => {
    expect(fails({ PR_TELEMETRY_AGENTS: "my-agent[bot]" })).toBe(
      'Invalid configuration: PR_TELEMETRY_AGENTS must be login=agent pairs separated by commas (e.g. my-agent[bot]=myagent), got "my-agent[bot]"',
    );
    expect(fails({ PR_TELEMETRY_AGENTS: "a=b=c" })).toMatch(/got "a=b=c"/);
  });
});
