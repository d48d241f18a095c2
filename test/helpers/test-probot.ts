import { Probot, ProbotOctokit } from "probot";
import { silentLog } from "./silent-log.js";

/** Probot's octokit without retries or throttling, so a mocked 502 fails at once in tests. */
export const TestOctokit = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } }));

/** A Probot authenticated with a plain token (no installation-token exchange), silent. */
export function testProbot(): Probot {
  return new Probot({ githubToken: "test-token", Octokit: TestOctokit, log: silentLog() });
}
