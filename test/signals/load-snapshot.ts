import { readFileSync } from "node:fs";
import type { PullRequestSnapshot } from "../../src/github/pr-snapshot.js";

/** The response body of a saved snapshot query (`{ data: { r0: { p0: {...} } } }`). */
export function loadResponse(name: string): { data: { r0: { p0: PullRequestSnapshot } } } {
  return JSON.parse(readFileSync(new URL(`../fixtures/graphql/${name}.json`, import.meta.url), "utf8"));
}

/** The pull request node of a saved snapshot response, a fresh copy each call. */
export function loadSnapshot(name: string): PullRequestSnapshot {
  return loadResponse(name).data.r0.p0;
}
