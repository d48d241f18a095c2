/**
 * A failure the user can fix. The message says what is wrong and what to do; it never carries
 * a secret or a request object. Reported once, at the edge (start-up, CLI, HTTP answer).
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Input that was refused (a CLI argument, an API body): the message names the field. */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The store could not take or give points (journal not writable, InfluxDB refused). */
export class StoreError extends Error {
  override name = "StoreError";
}
