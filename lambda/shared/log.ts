/**
 * Structured log lines for the functions. In AWS the functions log in Lambda's JSON format
 * (`loggingFormat: JSON`), where the runtime wraps each console call in
 * `{ timestamp, level, requestId, message }` and keeps a single object argument as a JSON object in
 * `message`; elsewhere (the local platform, tests) each line is printed as one JSON text. Either way
 * a line is one object with a `message` and the fields to act on (dataset, object key, ...).
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
 */

/** One log line: what happened, and the fields that say where. */
export interface LogFields {
  readonly message: string;
  readonly [field: string]: unknown;
}

/** A logger of structured lines. */
export interface Logger {
  info(fields: LogFields): void;
  warn(fields: LogFields): void;
  error(fields: LogFields): void;
}

/**
 * Logs through `out` (console by default): objects as they are when Lambda formats the lines as
 * JSON (`AWS_LAMBDA_LOG_FORMAT=JSON`, set by the runtime), JSON text otherwise.
 */
export function structuredLogger(
  out: Pick<Console, 'info' | 'warn' | 'error'> = console,
  env: NodeJS.ProcessEnv = process.env,
): Logger {
  const asObjects = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const write = (level: 'info' | 'warn' | 'error') => (fields: LogFields) =>
    asObjects ? out[level](fields) : out[level](JSON.stringify(fields));
  return { info: write('info'), warn: write('warn'), error: write('error') };
}
