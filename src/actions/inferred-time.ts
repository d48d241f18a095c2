/**
 * The time of an inferred action: the GitHub event's time plus a few milliseconds derived from
 * what the action is. GitHub's times have whole seconds, and an action's identity is only
 * (repo, pr, time): without the offset a bot that labels a PR and enables auto-merge in the same
 * second would record one action instead of two. The offset is a hash, so a redelivery of the
 * same event still lands on the same identity.
 */
export function inferredTime(eventTime: string, discriminator: string): Date {
  const t = new Date(eventTime).getTime();
  // FNV-1a: tiny, stable across runs and platforms; only spreads actions over 0..999 ms.
  let hash = 0x811c9dc5;
  for (let i = 0; i < discriminator.length; i++) {
    hash ^= discriminator.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return new Date(t - (t % 1000) + (hash % 1000));
}
