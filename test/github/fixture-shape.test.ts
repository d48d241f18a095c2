import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildSnapshotQuery } from "../../src/github/queries/pull-request-snapshot.js";
import { shapeMismatches } from "./selection-keys.js";

const dir = new URL("../fixtures/graphql/", import.meta.url);
const snapshotFixtures = readdirSync(dir).filter((f) => f.startsWith("pr-"));

describe("saved GraphQL responses have exactly the shape the snapshot query selects", () => {
  const { query } = buildSnapshotQuery([{ owner: "dappcore", repo: "core", number: 1 }]);

  it.each(snapshotFixtures)("%s", (file) => {
    const body = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
    expect(shapeMismatches(query, body.data)).toEqual([]);
  });

  it("notices a missing or an extra field (so the check can fail)", () => {
    const body = JSON.parse(readFileSync(new URL(snapshotFixtures[0] as string, dir), "utf8"));
    delete body.data.r0.p0.headRefOid;
    body.data.r0.p0.title = "extra";
    expect(shapeMismatches(query, body.data)).toEqual(["data.r0.p0.headRefOid: missing", "data.r0.p0.title: not selected"]);
  });
});
