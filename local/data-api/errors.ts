/** An error the Data API would return: its type goes in `x-amzn-ErrorType`, its message in the body. */
export class DataApiFault extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new DataApiFault('BadRequestException', 400, message);

interface PostgresError {
  message?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

/** Shapes a Postgres error the way the Data API reports it: `ERROR: ...; SQLState: 23505`. */
export function databaseFault(err: unknown): DataApiFault {
  if (err instanceof DataApiFault) return err;
  const e = (err ?? {}) as PostgresError;
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    let message = `ERROR: ${e.message ?? 'unknown error'}`;
    if (e.detail) message += `\n  Detail: ${e.detail}`;
    if (e.hint) message += `\n  Hint: ${e.hint}`;
    if (e.position) message += `\n  Position: ${e.position}`;
    return new DataApiFault('DatabaseErrorException', 400, `${message}; SQLState: ${e.code}`);
  }
  return new DataApiFault('InternalServerErrorException', 500, (err as Error)?.message ?? String(err));
}
