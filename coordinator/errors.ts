/** Errors of planning and driving runs. */

/** Bad command-line or API input: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly nonRetryable = true;
}

/** A parameter that is unknown, missing, or whose value does not fit its type. */
export class ParamError extends UsageError {
  override name = 'ParamError';
  readonly param: string;
  /** The text given on the command line, when that is what did not parse. */
  readonly value: string | undefined;

  constructor(param: string, message: string, value?: string) {
    super(message);
    this.param = param;
    this.value = value;
  }
}

/** A run, step or task that does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly nonRetryable = true;
}
