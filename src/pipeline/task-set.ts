import type { Logger } from "probot";

/**
 * Background work started by a webhook after it was acknowledged (commit → PR look-ups, config
 * reads). Tracked so that shutdown can wait for it instead of dropping acknowledged work.
 */
export class TaskSet {
  #tasks = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.#tasks.size;
  }

  /** Starts `work` in the background; a failure is logged with `context`, never thrown. */
  run(work: () => Promise<void>, context: Record<string, unknown>, what: string): void {
    const task: Promise<void> = Promise.resolve()
      .then(work)
      .catch((err: Error) => this.log.error({ ...context, err: { name: err.name, message: err.message } }, what))
      .finally(() => this.#tasks.delete(task));
    this.#tasks.add(task);
  }

  /** Waits for the running tasks (and those they start), up to timeoutMs; resolves with how many are still running. */
  async drain(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    // A task may start another (a config read hands the commits it waited for to their look-ups).
    while (this.#tasks.size > 0 && !timedOut) await Promise.race([Promise.allSettled([...this.#tasks]), deadline]);
    clearTimeout(timer);
    return this.#tasks.size;
  }
}
