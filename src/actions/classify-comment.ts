import type { Logger } from "probot";

/**
 * Default comment patterns (regular expressions, case-insensitive), checked in this order: a
 * comment about conflicts wins over one about review feedback. A repository's `action_patterns`
 * replace the list of the actions they name and are checked first, in the file's order.
 */
export const DEFAULT_ACTION_PATTERNS: Readonly<Record<string, readonly string[]>> = {
  request_conflict_fix: ["\\b(merge )?conflicts?\\b", "\\brebase\\b"],
  request_review_fix: [
    "\\b(address|fix|resolve|apply|handle|respond to)\\b[\\s\\S]*\\b(review|comments?|feedback|suggestions?|threads?|changes requested)\\b",
  ],
};

/** The action of a comment no pattern matches. */
export const PLAIN_COMMENT = "comment";

const compiled = new Map<string, RegExp | null>();

function compile(pattern: string, log: Logger): RegExp | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, "i");
    } catch (err) {
      log.warn({ pattern, err: (err as Error).message }, "an action_patterns entry in .github/pr-telemetry.yml is not a valid regular expression and is ignored; fix or remove it");
      re = null;
    }
    compiled.set(pattern, re);
  }
  return re;
}

/** The action an orchestrator's comment is: the first action with a matching pattern, else "comment". */
export function classifyComment(
  body: string,
  repoPatterns: Readonly<Record<string, readonly string[]>> | undefined,
  log: Logger,
): string {
  const ordered: [string, readonly string[]][] = [
    ...Object.entries(repoPatterns ?? {}),
    ...Object.entries(DEFAULT_ACTION_PATTERNS).filter(([action]) => !(repoPatterns && action in repoPatterns)),
  ];
  for (const [action, patterns] of ordered) {
    for (const pattern of patterns) {
      if (compile(pattern, log)?.test(body)) return action;
    }
  }
  return PLAIN_COMMENT;
}
