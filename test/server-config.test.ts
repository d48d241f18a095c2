import { describe, expect, it } from "vitest";
import { checkServerConfig, loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

describe("the server's settings", () => {
  it("NODE_ENV=production needs a WEBHOOK_SECRET of its own", () => {
    expect(() => checkServerConfig(loadConfig({ NODE_ENV: "production" }))).toThrow(ConfigError);
    expect(() => checkServerConfig(loadConfig({ NODE_ENV: "production", WEBHOOK_SECRET: " " }))).toThrow(/^WEBHOOK_SECRET is not set, and NODE_ENV=production/);
    expect(() => checkServerConfig(loadConfig({ NODE_ENV: "production", WEBHOOK_SECRET: "development" }))).toThrow(/^WEBHOOK_SECRET is "development", Probot's public default/);
    expect(() => checkServerConfig(loadConfig({ NODE_ENV: "production", WEBHOOK_SECRET: "s3cret" }))).not.toThrow();
    // Outside production Probot's development secret is what the manifest flow and local runs use.
    expect(() => checkServerConfig(loadConfig({}))).not.toThrow();
  });

  it("HOST defaults to every interface and is honoured when set", () => {
    expect(loadConfig({}).server.host).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "" }).server.host).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "127.0.0.1" }).server.host).toBe("127.0.0.1");
    expect(loadConfig({ HOST: "::" }).server.host).toBe("::");
  });
});
