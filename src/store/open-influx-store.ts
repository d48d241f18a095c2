import type { InfluxConfig } from "../config.js";
import type { InfluxStore } from "./influx-store.js";
import { InfluxV1Store } from "./influx-v1-store.js";
import { InfluxV2Store } from "./influx-v2-store.js";

/** The InfluxDB store the configuration selects: v2 (token) or v1 (INFLUX_DATABASE). */
export function openInfluxStore(config: InfluxConfig): InfluxStore {
  if (config.api === "v2") {
    return new InfluxV2Store({ url: config.url, org: config.org, bucket: config.bucket, token: config.token });
  }
  return new InfluxV1Store({
    url: config.url,
    database: config.database,
    retentionPolicy: config.retentionPolicy,
    username: config.username,
    password: config.password,
  });
}
