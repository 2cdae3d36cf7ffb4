/** Bad input from the user: one line on stderr, exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Something failed at run time (a server that would not start, a port in use): one line, exit 1. */
export class RuntimeError extends Error {
  readonly exitCode = 1;
  /** Extra lines shown under the message, e.g. the last lines a dying server printed. */
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = []) {
    super(message);
    this.details = details;
  }
}
