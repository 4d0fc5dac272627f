/**
 * The usage profile the "typical" estimate prices: how much data arrives, how long the dashboard is
 * open, how much Athena scans. "Idle" is the same deployment with every usage figure at zero:
 * nobody sends data or opens the dashboard; what the deployment does by itself (the generator, AWS
 * maintenance, pollers, provisioned capacity) still counts.
 */
export interface UsageProfile {
  /** Events sent to the ingest endpoint per day (all datasets). */
  readonly eventsPerDay: number;
  /** Events per ingest request; each request writes one object to the lake. */
  readonly eventsPerRequest: number;
  /** Hours of the day over which producers send, evenly spread (24: around the clock). */
  readonly ingestHoursPerDay: number;
  /** Hours per day the dashboard is open (it refreshes every 5 s while open). */
  readonly dashboardHoursPerDay: number;
  /** Separate dashboard sessions per day; each ends with the database idling until it pauses. */
  readonly dashboardSessionsPerDay: number;
  /** S3 server access log lines delivered to the log bucket per day (from your buckets). */
  readonly accessLogLinesPerDay: number;
  /** Access log objects S3 delivers per day (best-effort batches; each wakes the loader). */
  readonly accessLogObjectsPerDay: number;
  /** Gigabytes Athena scans per month (full-history charts, ad-hoc queries). */
  readonly athenaGbScannedPerMonth: number;
  /** Athena queries per month (each bills at least 10 MB). */
  readonly athenaQueriesPerMonth: number;
  /** Deploys per month that add a migration (the migration custom resource wakes the database). */
  readonly migrationDeploysPerMonth: number;
  /** Times per month AWS resumes the paused database for maintenance (AWS documents it, not how often). */
  readonly maintenanceWakesPerMonth: number;
  /**
   * Aurora capacity while awake, in ACUs. 0.5 is the smallest non-zero capacity; AWS's own auto-pause
   * example shows an idle instance at 2 to 4 ACUs between resume and pause, so treat this as the floor.
   */
  readonly awakeAcu: number;
  /** Compressed size of one dashboard image in ECR, in GB. */
  readonly dashboardImageGb: number;
  /** Images kept in ECR (the repository's lifecycle rule caps it). */
  readonly dashboardImagesStored: number;
  /** Years since the alerts KMS key was created (each of the first two yearly rotations adds $1/month). */
  readonly kmsKeyAgeYears: number;
}

/** A small team's month: 10,000 events a day in 20 requests, the dashboard open an hour a day, 10 GB of Athena. */
export const TYPICAL_PROFILE: UsageProfile = {
  eventsPerDay: 10_000,
  eventsPerRequest: 500,
  ingestHoursPerDay: 24,
  dashboardHoursPerDay: 1,
  dashboardSessionsPerDay: 1,
  accessLogLinesPerDay: 10_000,
  accessLogObjectsPerDay: 24,
  athenaGbScannedPerMonth: 10,
  athenaQueriesPerMonth: 100,
  migrationDeploysPerMonth: 1,
  maintenanceWakesPerMonth: 1,
  awakeAcu: 0.5,
  dashboardImageGb: 0.2,
  dashboardImagesStored: 1,
  kmsKeyAgeYears: 0,
};

/** Usage zeroed: what the deployment costs when nobody uses it. */
export function idleProfile(profile: UsageProfile): UsageProfile {
  return {
    ...profile,
    eventsPerDay: 0,
    dashboardHoursPerDay: 0,
    dashboardSessionsPerDay: 0,
    accessLogLinesPerDay: 0,
    accessLogObjectsPerDay: 0,
    athenaGbScannedPerMonth: 0,
    athenaQueriesPerMonth: 0,
    migrationDeploysPerMonth: 0,
  };
}

/** Profile fields, their command-line flag and the bounds a value must respect. */
export const PROFILE_FLAGS: ReadonlyArray<{
  readonly key: keyof UsageProfile;
  readonly flag: string;
  readonly min: number;
  readonly max: number;
}> = [
  { key: 'eventsPerDay', flag: '--events-per-day', min: 0, max: 1e12 },
  { key: 'eventsPerRequest', flag: '--events-per-request', min: 1, max: 1e6 },
  { key: 'ingestHoursPerDay', flag: '--ingest-hours-per-day', min: 0.01, max: 24 },
  { key: 'dashboardHoursPerDay', flag: '--dashboard-hours-per-day', min: 0, max: 24 },
  { key: 'dashboardSessionsPerDay', flag: '--dashboard-sessions-per-day', min: 0, max: 1440 },
  { key: 'accessLogLinesPerDay', flag: '--access-log-lines-per-day', min: 0, max: 1e12 },
  { key: 'accessLogObjectsPerDay', flag: '--access-log-objects-per-day', min: 0, max: 1e7 },
  { key: 'athenaGbScannedPerMonth', flag: '--athena-gb-per-month', min: 0, max: 1e9 },
  { key: 'athenaQueriesPerMonth', flag: '--athena-queries-per-month', min: 0, max: 1e9 },
  { key: 'migrationDeploysPerMonth', flag: '--migration-deploys-per-month', min: 0, max: 1000 },
  { key: 'maintenanceWakesPerMonth', flag: '--maintenance-wakes-per-month', min: 0, max: 1000 },
  { key: 'awakeAcu', flag: '--awake-acu', min: 0.5, max: 256 },
  { key: 'dashboardImageGb', flag: '--image-gb', min: 0, max: 100 },
  { key: 'dashboardImagesStored', flag: '--images-stored', min: 0, max: 10_000 },
  { key: 'kmsKeyAgeYears', flag: '--kms-key-age-years', min: 0, max: 100 },
];

/** Reads profile flags (`--events-per-day 5000`, `--awake-acu=1`); unknown flags are left to the caller. */
export function profileFromFlags(
  argv: readonly string[],
  base: UsageProfile = TYPICAL_PROFILE,
): UsageProfile {
  const profile: Record<string, number> = { ...base };
  for (const { key, flag, min, max } of PROFILE_FLAGS) {
    const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i === -1) continue;
    const text = argv[i]!.includes('=') ? argv[i]!.slice(flag.length + 1) : argv[i + 1];
    const value = Number(text);
    if (text === undefined || text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new Error(`${flag} "${text ?? ''}" must be a number from ${min} to ${max}.`);
    }
    profile[key] = value;
  }
  return profile as unknown as UsageProfile;
}
