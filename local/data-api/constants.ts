import { MAX_REQUEST_BYTES } from '../../db/data-api';

/** The identifiers and limits of the local Data API endpoint, as the functions' environment carries them. */

export const LOCAL_CLUSTER_ARN = 'arn:aws:rds:us-east-1:000000000000:cluster:analytics-local';
export const LOCAL_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:analytics-local-db-AbCdEf';
export const LOCAL_DATABASE = 'analytics';

/** Requests above 4 MiB are refused, as by the Data API. */
export const REQUEST_LIMIT_BYTES = MAX_REQUEST_BYTES;
/** Responses above 1 MiB are refused, as by the Data API. */
export const RESPONSE_LIMIT_BYTES = 1024 * 1024;
/** A transaction not used for 3 minutes is rolled back, as by the Data API. */
export const TRANSACTION_IDLE_TIMEOUT_MS = 3 * 60 * 1000;
