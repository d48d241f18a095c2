/** The attempt counters every observation carries. */
export interface Attempts {
  conflictAttempts: number;
  reviewFixAttempts: number;
}

/**
 * Where observations get a PR's attempt counters from. The actions feature provides the real
 * one (rebuilt from the store, shared through InfluxDB); until it is wired, counters are 0.
 */
export interface AttemptSource {
  get(repo: string, pr: number): Promise<Attempts>;
}

/** Counters of 0 for every PR. */
export const noAttempts: AttemptSource = {
  get: async () => ({ conflictAttempts: 0, reviewFixAttempts: 0 }),
};
