import { estimateAwake, type AwakeEstimate, type WakeSource } from './awake';
import type { DeploymentFacts } from './facts';
import {
  DASHBOARD_REFRESH_SECONDS,
  GENERATED_DATASETS,
  LOADER_ROWS_PER_STATEMENT,
  QUERIES_PER_REFRESH,
  eventSize,
} from './measured';
import type { UsageProfile } from './profile';
import { DAYS_PER_MONTH, MB } from './units';

/**
 * What a month of a usage profile amounts to on this deployment: requests, objects, rows, Data API
 * calls, hours the dashboard is open, and the hours Aurora is awake. Every pricer reads these.
 */
export interface MonthlyUsage {
  readonly profile: UsageProfile;
  /** Generator runs per month (0 when its schedule is disabled). */
  readonly generatorRuns: number;
  /** Ingest requests (Function URL invocations): the generator's and the producers'. */
  readonly ingestRequests: number;
  /** Events accepted by ingest. */
  readonly ingestEvents: number;
  /** Objects written under raw/ in the lake (one per ingest request). */
  readonly lakeObjects: number;
  /** Bytes added to the lake (gzip NDJSON). */
  readonly lakeBytes: number;
  /** Lake objects large enough for the lifecycle rule to move them to Intelligent-Tiering (over 128 KB). */
  readonly lakeObjectsTiered: number;
  /** Access log objects delivered to the log bucket (your buckets' and the platform's own). */
  readonly accessLogObjects: number;
  readonly accessLogLines: number;
  /** Objects the loader loads (lake objects and access log objects). */
  readonly loaderObjects: number;
  /** Loader invocations (a generator run's objects arrive within one 5-second batching window). */
  readonly loaderInvocations: number;
  /** Rows written to Postgres. */
  readonly rowsLoaded: number;
  /** Bytes added to Postgres (an event's canonical JSON size, a stand-in for row plus index). */
  readonly databaseBytes: number;
  /** Data API requests (loader, dashboard, migrations). */
  readonly dataApiRequests: number;
  /** Hours the dashboard is open per month. */
  readonly dashboardHours: number;
  /** Dashboard HTTP requests (one per refresh). */
  readonly dashboardRequests: number;
  /** Bytes Athena bills (scanned, at least 10 MB per query). */
  readonly athenaBilledBytes: number;
  readonly athenaQueries: number;
  /** Aurora awake time, with its reasoning. */
  readonly awake: AwakeEstimate;
}

/**
 * A lifecycle rule moves an object from S3 Standard to Intelligent-Tiering only when it is larger
 * than 128 KB; smaller objects stay where they are and cost no transition request
 * (https://repost.aws/knowledge-center/s3-lifecycle-rule-intelligent-tiering).
 */
export const INTELLIGENT_TIERING_MIN_OBJECT_BYTES = 128 * 1024;

/** Statements the loader runs per object besides its INSERTs (already-loaded check, bookkeeping). */
export const LOADER_BOOKKEEPING_STATEMENTS = 2;
/** Statements a migration deploy runs (lock, read applied migrations, apply, record). */
export const MIGRATION_STATEMENTS = 10;
/** Average bytes of one S3 server access log line (the documented format, about 20 fields). */
export const ACCESS_LOG_LINE_BYTES = 400;
/** Access log deliveries per day the platform's own lake bucket causes when it is in use (at most hourly). */
export const OWN_ACCESS_LOG_DELIVERIES_PER_DAY = 24;

/** The sources that wake the database for one month of `profile`, for `estimateAwake`. */
export function wakeSources(facts: DeploymentFacts, profile: UsageProfile): WakeSource[] {
  const sources: WakeSource[] = [];
  const generator = facts.generator;
  if (generator?.enabled) {
    sources.push({
      kind: 'every',
      name: 'generator',
      everyMinutes: generator.everyMinutes,
      why: `${generator.expression}; each run writes ${GENERATED_DATASETS.length} lake objects the loader loads at once`,
    });
  }
  const requestsPerDay = profile.eventsPerDay / profile.eventsPerRequest;
  if (requestsPerDay > 0) {
    sources.push({
      kind: 'spread',
      name: 'lake objects from producers',
      perDay: requestsPerDay,
      overHours: profile.ingestHoursPerDay,
      why: `${profile.eventsPerDay} events/day in requests of ${profile.eventsPerRequest}; each object is loaded as it lands`,
    });
  }
  const deliveries = accessLogDeliveriesPerDay(facts, profile);
  if (deliveries > 0) {
    sources.push({
      kind: 'spread',
      name: 'access-log deliveries',
      perDay: deliveries,
      overHours: 24,
      why: 'S3 delivers server access logs in best-effort batches; each object is loaded as it lands',
    });
  }
  if (profile.dashboardHoursPerDay > 0) {
    sources.push({
      kind: 'block',
      name: 'dashboard',
      hoursPerDay: profile.dashboardHoursPerDay,
      sessions: Math.max(1, profile.dashboardSessionsPerDay),
      why: `refreshes every ${DASHBOARD_REFRESH_SECONDS} s with ${QUERIES_PER_REFRESH} Data API queries`,
    });
  }
  sources.push(
    {
      kind: 'monthly',
      name: 'migrations',
      perMonth: profile.migrationDeploysPerMonth,
      holdMinutes: 0,
      why: 'a deploy with a new migration runs it through the Data API',
    },
    {
      kind: 'monthly',
      name: 'AWS maintenance',
      perMonth: profile.maintenanceWakesPerMonth,
      holdMinutes: 20,
      why: 'AWS resumes a paused instance for some maintenance and waits at least 20 min before pausing again',
    },
  );
  return sources;
}

/** Access log objects per day: your buckets' (profile) plus the platform lake's own when it is in use. */
export function accessLogDeliveriesPerDay(facts: DeploymentFacts, profile: UsageProfile): number {
  const lakeInUse = Boolean(facts.generator?.enabled) || profile.eventsPerDay > 0;
  return profile.accessLogObjectsPerDay + (lakeInUse ? OWN_ACCESS_LOG_DELIVERIES_PER_DAY : 0);
}

export function monthlyUsage(facts: DeploymentFacts, profile: UsageProfile): MonthlyUsage {
  const generator = facts.generator;
  const generatorRuns = generator?.enabled ? (DAYS_PER_MONTH * 1440) / generator.everyMinutes : 0;
  const generatorRequests = generatorRuns * GENERATED_DATASETS.length;
  const generatorEvents = generatorRequests * (generator?.recordsPerDataset ?? 0);
  const producerRequests = (profile.eventsPerDay / profile.eventsPerRequest) * DAYS_PER_MONTH;
  const producerEvents = profile.eventsPerDay * DAYS_PER_MONTH;
  const ingestRequests = generatorRequests + producerRequests;
  const ingestEvents = generatorEvents + producerEvents;
  const lakeBytes =
    generatorEvents * eventSize(generator?.recordsPerDataset ?? 1).gzipBytes +
    producerEvents * eventSize(profile.eventsPerRequest).gzipBytes;
  const tiered = (objects: number, eventsPerObject: number) =>
    eventsPerObject * eventSize(eventsPerObject).gzipBytes > INTELLIGENT_TIERING_MIN_OBJECT_BYTES
      ? objects
      : 0;
  const lakeObjectsTiered =
    tiered(generatorRequests, generator?.recordsPerDataset ?? 1) +
    tiered(producerRequests, profile.eventsPerRequest);
  const accessLogObjects = accessLogDeliveriesPerDay(facts, profile) * DAYS_PER_MONTH;
  const accessLogLines = profile.accessLogLinesPerDay * DAYS_PER_MONTH;
  const loaderObjects = ingestRequests + accessLogObjects;
  const loaderInvocations = generatorRuns + producerRequests + accessLogObjects;
  const rowsLoaded = ingestEvents + accessLogLines;
  // One INSERT per LOADER_ROWS_PER_STATEMENT rows of each object (an object's rows are never merged with another's).
  const inserts = (objects: number, rowsPerObject: number) =>
    objects > 0 && rowsPerObject > 0 ? objects * Math.ceil(rowsPerObject / LOADER_ROWS_PER_STATEMENT) : 0;
  const loaderStatements =
    loaderObjects * LOADER_BOOKKEEPING_STATEMENTS +
    inserts(generatorRequests, generator?.recordsPerDataset ?? 0) +
    inserts(producerRequests, profile.eventsPerRequest) +
    inserts(accessLogObjects, accessLogObjects > 0 ? accessLogLines / accessLogObjects : 0);
  const dashboardHours = profile.dashboardHoursPerDay * DAYS_PER_MONTH;
  const dashboardRequests = (dashboardHours * 3600) / DASHBOARD_REFRESH_SECONDS;
  const athenaBilledBytes = Math.max(
    profile.athenaGbScannedPerMonth * 1024 * MB,
    profile.athenaQueriesPerMonth * 10 * MB,
  );
  return {
    profile,
    generatorRuns,
    ingestRequests,
    ingestEvents,
    lakeObjects: ingestRequests,
    lakeBytes,
    lakeObjectsTiered,
    accessLogObjects,
    accessLogLines,
    loaderObjects,
    loaderInvocations,
    rowsLoaded,
    databaseBytes:
      generatorEvents * eventSize(generator?.recordsPerDataset ?? 1).jsonBytes +
      producerEvents * eventSize(profile.eventsPerRequest).jsonBytes +
      accessLogLines * ACCESS_LOG_LINE_BYTES,
    dataApiRequests:
      loaderStatements +
      dashboardRequests * QUERIES_PER_REFRESH +
      profile.migrationDeploysPerMonth * MIGRATION_STATEMENTS,
    dashboardHours,
    dashboardRequests,
    athenaBilledBytes,
    athenaQueries: profile.athenaQueriesPerMonth,
    awake: facts.database
      ? estimateAwake(facts.database.autoPauseMinutes, wakeSources(facts, profile))
      : {
          autoPauseMinutes: undefined,
          minutesPerDay: 0,
          hoursPerMonth: 0,
          neverPauses: false,
          reasoning: ['No Aurora database in these templates.'],
        },
  };
}
