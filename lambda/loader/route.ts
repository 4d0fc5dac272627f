import { findDataset } from '../../datasets';
import type { Dataset } from '../../datasets/types';
import { ACCESS_LOGS_PREFIX_ENV, DEFAULT_ACCESS_LOGS_PREFIX } from './contract';

/** Where objects of interest land, from the loader's environment. */
export interface RoutingConfig {
  /** The data lake bucket; `raw/<dataset>/...` keys in it are loaded. */
  readonly lakeBucket: string;
  /** The log bucket; keys under `accessLogsPrefix` in it are S3 server access logs. */
  readonly logBucket?: string;
  /** @default 's3-access-logs/' */
  readonly accessLogsPrefix?: string;
}

/** The dataset of S3 server access logs. */
export const ACCESS_LOGS_DATASET = 's3_access_logs';
export { DEFAULT_ACCESS_LOGS_PREFIX };

export type Route =
  | { readonly kind: 'load'; readonly dataset: Dataset }
  /** Not an object the loader loads (another prefix, a folder marker); acknowledged and logged. */
  | { readonly kind: 'ignore'; readonly reason: string };

/** An object that should be loaded but cannot be routed: a poison message. */
export class RoutingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoutingError';
  }
}

/**
 * Decides which dataset an object belongs to from its bucket and key:
 * - lake bucket, `raw/<dataset>/...` → that dataset (it must exist);
 * - log bucket, `<accessLogsPrefix>...` → `s3_access_logs`;
 * - anything else → ignored.
 */
export function routeObject(config: RoutingConfig, bucket: string, key: string): Route {
  if (key.endsWith('/')) return { kind: 'ignore', reason: `"${key}" is a folder marker` };
  if (bucket === config.lakeBucket) {
    const match = /^raw\/([^/]+)\/.+/.exec(key);
    if (!match) return { kind: 'ignore', reason: `"${key}" is not under raw/<dataset>/ in the lake` };
    const dataset = findDataset(match[1]);
    if (!dataset) {
      throw new RoutingError(
        `s3://${bucket}/${key} is under raw/${match[1]}/, but there is no dataset "${match[1]}". ` +
          'Add the dataset definition or move the object out of raw/.',
      );
    }
    return { kind: 'load', dataset };
  }
  if (config.logBucket !== undefined && bucket === config.logBucket) {
    const prefix = config.accessLogsPrefix ?? DEFAULT_ACCESS_LOGS_PREFIX;
    if (!key.startsWith(prefix))
      return { kind: 'ignore', reason: `"${key}" is not under ${prefix} in the log bucket` };
    const dataset = findDataset(ACCESS_LOGS_DATASET);
    if (!dataset)
      throw new RoutingError(
        `s3://${bucket}/${key} is an access log, but dataset "${ACCESS_LOGS_DATASET}" is not defined.`,
      );
    return { kind: 'load', dataset };
  }
  return { kind: 'ignore', reason: `bucket "${bucket}" is neither the lake nor the log bucket` };
}

/** Reads the routing configuration from the loader's environment. */
export function routingFromEnv(env: NodeJS.ProcessEnv = process.env): RoutingConfig {
  const lakeBucket = env.LAKE_BUCKET;
  if (!lakeBucket) throw new Error('LAKE_BUCKET is not set: the loader needs the name of the lake bucket.');
  return {
    lakeBucket,
    logBucket: env.LOG_BUCKET || undefined,
    accessLogsPrefix: env[ACCESS_LOGS_PREFIX_ENV] || DEFAULT_ACCESS_LOGS_PREFIX,
  };
}
