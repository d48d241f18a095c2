/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The Wilson score interval of a binomial proportion (successes out of trials), 95% by default.
 * Unlike the normal approximation it stays within [0, 1] and is honest for small samples and for
 * rates of 0 or 1 (1 success out of 1 is "between 0.21 and 1", not "exactly 1"). Null for no trials.
 * Hand-written: it is one formula, and no small kept library exports it.
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): { low: number; high: number } | null {
  if (!(trials > 0)) return null;
  if (successes < 0 || successes > trials) throw new RangeError(`wilsonInterval: ${successes} successes out of ${trials} trials`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // Clamped: rounding can put the bounds a hair outside [0, 1] when p is 0 or 1.
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
