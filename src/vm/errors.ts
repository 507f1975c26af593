// Errors raised by VM programs, named as Python names them (NameError, TypeError, ...).

export class VMError extends Error {
  override readonly name = "VMError";
  /** Line of the form being evaluated when the error was raised (0 if unknown). */
  line = 0;
  constructor(readonly kind: string, readonly detail: string) {
    super(`${kind}: ${detail}`);
  }
}
