/**
 * An error with a stable code: what a caller branches on and what an HTTP edge
 * maps to a status. The message is for people and may change; the code may not.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
