/**
 * What the infrastructure and the loader function agree on: environment variable names and the log
 * bucket's prefix. Imports nothing, so `lib/` can read it without reaching into the function.
 */

/** Prefix of S3 server access logs in the log bucket (the buckets' logging target prefix). */
export const DEFAULT_ACCESS_LOGS_PREFIX = 's3-access-logs/';

/** Environment variable of the loader function that carries the log bucket's access-log prefix. */
export const ACCESS_LOGS_PREFIX_ENV = 'ACCESS_LOGS_PREFIX';

/** Environment variable of the loader function that carries `accessLogsKeepAllOperations`. */
export const KEEP_ALL_OPERATIONS_ENV = 'ACCESS_LOGS_KEEP_ALL_OPERATIONS';

/**
 * Environment variable of the loader function that carries its queue's `maxReceiveCount`, so the
 * last failed delivery of a message is logged as its move to the dead-letter queue.
 */
export const MAX_RECEIVE_COUNT_ENV = 'LOADER_MAX_RECEIVE_COUNT';
