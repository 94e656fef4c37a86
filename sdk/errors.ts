/** Errors raised while reading or validating a flow. One line each, naming the file, step and line. */

export interface FlowErrorOptions {
  file: string;
  step?: string;
  line?: number;
  cause?: unknown;
}

/** The flow file cannot run: a graph error, a bad decorator, a missing default export. Never retryable. */
export class InvalidFlowError extends Error {
  override name = 'InvalidFlowError';
  readonly file: string;
  readonly step?: string;
  readonly line?: number;
  readonly nonRetryable = true;
  /** The message without the location prefix. */
  readonly reason: string;

  constructor(reason: string, opts: FlowErrorOptions) {
    const where = opts.line ? `${opts.file}:${opts.line}` : opts.file;
    const step = opts.step ? ` step '${opts.step}':` : '';
    super(`${where}:${step} ${reason}`, { cause: opts.cause });
    this.file = opts.file;
    this.step = opts.step;
    this.line = opts.line;
    this.reason = reason;
  }
}

/** A step misused the API at run time (two `next` calls, a foreach over a non-array, ...). */
export class StepUsageError extends Error {
  override name = 'StepUsageError';
  readonly step: string;
  readonly nonRetryable = true;
  constructor(step: string, message: string) {
    super(`step '${step}': ${message}`);
    this.step = step;
  }
}

/** An artifact could not be serialized. Names the step and the field. */
export class ArtifactError extends Error {
  override name = 'ArtifactError';
  readonly step: string;
  readonly field: string;
  readonly nonRetryable = true;
  constructor(step: string, field: string, reason: string, cause?: unknown) {
    super(`step '${step}': artifact '${field}' cannot be stored: ${reason}`, { cause });
    this.step = step;
    this.field = field;
  }
}
