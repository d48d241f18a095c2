import type { ProbotOctokit } from "probot";

/** What each GitHub answer tells the metrics: the kind of request and the budget left. */
export type RequestWatcher = (kind: "graphql" | "rest", installation: string, resource: string | undefined, remaining: number | undefined) => void;

interface HookOptions {
  url?: string;
}
interface HookResponse {
  headers?: Record<string, string | number | undefined>;
}

/**
 * Tells `watch` of every answer (or error) to a request sent through `octokit`, with GitHub's
 * `x-ratelimit-remaining` and `x-ratelimit-resource` headers when the answer has them. The hook
 * wraps Probot's retry and throttling plugins, so a retried call counts once, as in countRequests.
 */
export function watchRequests(octokit: Pick<InstanceType<typeof ProbotOctokit>, "hook">, installation: string, watch: RequestWatcher): void {
  const seen = (options: HookOptions, response: HookResponse | undefined) => {
    // The URL may be a template ("/graphql") or, for GitHub Enterprise, a full URL (".../api/graphql").
    const kind = /\/graphql$/.test(String(options.url ?? "")) ? "graphql" : "rest";
    const headers = response?.headers ?? {};
    const remaining = headers["x-ratelimit-remaining"];
    const resource = headers["x-ratelimit-resource"];
    watch(kind, installation, resource === undefined ? undefined : String(resource), remaining === undefined ? undefined : Number(remaining));
  };
  octokit.hook.after("request", (response: HookResponse, options: HookOptions) => seen(options, response));
  octokit.hook.error("request", (error: Error, options: HookOptions) => {
    seen(options, (error as { response?: HookResponse }).response);
    throw error;
  });
}
