import { MAX_REQUEST_BYTES } from '../../db/data-api';
import { DATABASE_ROLES } from '../../migrations/roles';

/** The identifiers and limits of the local Data API endpoint, as the functions' environment carries them. */

export const LOCAL_CLUSTER_ARN = 'arn:aws:rds:us-east-1:000000000000:cluster:analytics-local';
export const LOCAL_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:analytics-local-db-AbCdEf';
export const LOCAL_DATABASE = 'analytics';
/** The dashboard's secret: signs in as the dashboard's database role. */
export const LOCAL_DASHBOARD_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:analytics-local-dashboard-GhIjKl';
/** The loader's secret: signs in as the loader's database role. */
export const LOCAL_LOADER_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:analytics-local-loader-MnOpQr';

/**
 * The database role each local secret signs in as, as each secret holds that role's credentials in
 * AWS; `undefined` for the master secret (`LOCAL_SECRET_ARN`), which signs in as the session's own
 * user, as the migrations and the tools do.
 */
export const LOCAL_SECRET_ROLES: ReadonlyMap<string, string | undefined> = new Map([
  [LOCAL_SECRET_ARN, undefined],
  [LOCAL_DASHBOARD_SECRET_ARN, DATABASE_ROLES.dashboard],
  [LOCAL_LOADER_SECRET_ARN, DATABASE_ROLES.loader],
]);

/** Requests above 4 MiB are refused, as by the Data API. */
export const REQUEST_LIMIT_BYTES = MAX_REQUEST_BYTES;
/** Responses above 1 MiB are refused, as by the Data API. */
export const RESPONSE_LIMIT_BYTES = 1024 * 1024;
/** A transaction not used for 3 minutes is rolled back, as by the Data API. */
export const TRANSACTION_IDLE_TIMEOUT_MS = 3 * 60 * 1000;
