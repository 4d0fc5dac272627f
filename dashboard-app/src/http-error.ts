/** An error with the HTTP status and message the client should see. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A request the client got wrong: the message says which parameter, which value and what is accepted. */
export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}
