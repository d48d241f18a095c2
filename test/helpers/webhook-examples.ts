import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const index = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{ name: string; examples: Array<Record<string, any>> }>;

/**
 * A real webhook payload from @octokit/webhooks-examples (deep-copied, so tests may edit it):
 * the first example of `event` whose action is `action` (and that passes `where`).
 */
export function webhookExample(event: string, action?: string, where: (p: Record<string, any>) => boolean = () => true): Record<string, any> {
  const family = index.find((e) => e.name === event);
  const example = family?.examples.find((p) => (action === undefined || p.action === action) && where(p));
  if (!example) throw new Error(`no ${event}${action ? `.${action}` : ""} example in @octokit/webhooks-examples`);
  return structuredClone(example);
}

/** Every example payload of each of `events` (deep-copied), with a label such as `pull_request.closed #3`. */
export function webhookExamples(events: readonly string[]): Array<{ name: string; payload: Record<string, any>; label: string }> {
  return index
    .filter((family) => events.includes(family.name))
    .flatMap((family) => family.examples.map((payload, i) => ({ name: family.name, payload: structuredClone(payload), label: `${family.name}.${payload["action"] ?? ""} #${i}` })));
}
