import { describe, expect, test } from 'vitest';
import { limit, loadLimits } from '../../cost/limits';
import { awsPlatform, type PlatformModel } from '../../cost/platform';
import { simulate } from '../../cost/simulator';
import { fromTemplates } from '../../cost/templates';

/**
 * The simulator's arithmetic on small cases worked out by hand. The platform is made up so the
 * numbers stay round: ingest 10 at once, 1,000 records per vCPU-second on one vCPU; the loader 2 at
 * once, 0.1 s per object plus 1,000 rows/s; Aurora 1 ACU at 5,000 rows/s. With 100 events per
 * request an ingest request takes 100 / 1,000 = 0.1 s and an object 0.1 + 100 / 1,000 = 0.2 s, so:
 *   ingest capacity  = 10 / 0.1 × 100 = 10,000 events/s
 *   loader capacity  =  2 / 0.2 × 100 =  1,000 events/s
 *   Aurora capacity  =  1 × 5,000     =  5,000 events/s
 */
const platform: PlatformModel = {
  name: 'test',
  ingest: { memoryMb: 1769, concurrency: 10, overheadSeconds: 0, recordsPerVcpuSecond: 1000, vcpus: 1 },
  loader: {
    concurrency: 2,
    batchSize: 10,
    batchingWindowSeconds: 0,
    queueRetentionSeconds: undefined,
    overheadSeconds: 0.1,
    rowsPerSecond: 1000,
  },
  database: { maxAcu: 1, autoPauseMinutes: undefined, rowsPerSecondPerAcu: 5000, resumeSeconds: 15 },
  athenaScanCutoffBytes: undefined,
  putsPerPrefixPerSecond: undefined,
  eventsPerSecond: undefined,
  sharedCpu: false,
};
const run = (
  eventsPerSecond: number,
  extra: { initialBacklogEvents?: number; hours?: number } = {},
  model = platform,
) =>
  simulate(model, {
    eventsPerSecond,
    hours: extra.hours ?? 1,
    eventsPerRequest: 100,
    initialBacklogEvents: extra.initialBacklogEvents,
  });
const byName = (r: ReturnType<typeof run>, name: string) => r.components.find((c) => c.name === name)!;

describe('the simulator', () => {
  test('nothing saturated: 500 events/s uses half the loader, no backlog, lag = ingest + load = 0.3 s', () => {
    const r = run(500);
    expect(byName(r, 'ingest function').utilisation).toBeCloseTo(500 / 10_000, 12);
    expect(byName(r, 'loader').utilisation).toBeCloseTo(0.5, 12);
    expect(byName(r, 'Aurora').utilisation).toBeCloseTo(0.1, 12);
    expect(r.saturated).toBe(false);
    expect(r.bottleneck.name).toBe('loader');
    expect(r.drainEventsPerSecond).toBeCloseTo(1000, 9);
    expect(r.backlog.every((p) => p.events === 0)).toBe(true);
    expect(r.lag.p50).toBeCloseTo(0.3, 12);
    expect(r.lag.p95).toBeCloseTo(0.3, 12);
    expect(r.acuNeeded).toBeCloseTo(0.5, 12); // 500 / 5,000 = 0.1, raised to the 0.5 floor
    expect(r.perDay.objects).toBeCloseTo((500 / 100) * 86400, 6);
  });

  test('one component saturated: at 2,000 events/s the loader falls behind by 1,000 events a second', () => {
    const r = run(2000);
    expect(r.saturated).toBe(true);
    expect(r.bottleneck.name).toBe('loader');
    expect(r.bottleneck.utilisation).toBeCloseTo(2, 12);
    expect(r.bottleneck.setting).toMatch(/maximum concurrency/);
    expect(byName(r, 'Aurora').utilisation).toBeCloseTo(0.4, 12);
    // After an hour 3,600 s × 1,000 events/s wait; the backlog, sampled every sixth of the hour, grows linearly.
    expect(r.backlog.at(-1)!.events).toBeCloseTo(3_600_000, 3);
    expect(r.backlog[3]!.events).toBeCloseTo(1_800_000, 3);
    // The last event waits 3,600,000 / 1,000 = 3,600 s behind the backlog, plus 0.3 s.
    expect(r.lag.max).toBeCloseTo(3600.3, 6);
    expect(r.acuNeeded).toBeCloseTo(0.5, 12);
  });

  test('a backlog drains: 100,000 queued, 500 events/s arriving, 1,000 drained: gone after 200 s', () => {
    const r = run(500, { initialBacklogEvents: 100_000 });
    expect(r.drainedAfterSeconds).toBeCloseTo(200, 9);
    expect(r.backlog[0]!.events).toBe(100_000);
    expect(r.backlog[1]!.events).toBe(0); // 10 minutes in
    // The first event waits behind all 100,000: 100 s plus its own 0.3 s.
    expect(r.lag.max).toBeCloseTo(100.3, 9);
    expect(r.lag.p50).toBeCloseTo(0.3, 12);
  });

  test('events that outwait the queue retention are deleted: the backlog stops at retention × arrivals', () => {
    // Retention 1,000 s. At 2,000 events/s with 1,000 drained the wait reaches 1,000 s when the
    // backlog is 1,000 s × 1,000 events/s = 1,000,000, after 1,000,000 / 1,000 growth = 1,000 s.
    const model = { ...platform, loader: { ...platform.loader, queueRetentionSeconds: 1000 } };
    const r = run(2000, {}, model);
    expect(r.expiry!.afterHours).toBeCloseTo(1000 / 3600, 12);
    expect(r.expiry!.eventsPerSecond).toBeCloseTo(1000, 9);
    // The queue then holds the last 1,000 s of arrivals: 2,000,000 events, not 3,600,000.
    expect(r.backlog.at(-1)!.events).toBeCloseTo(2_000_000, 3);
    expect(r.backlog[1]!.events).toBeCloseTo(600_000, 3); // 10 minutes in, still growing
    expect(r.lag.max).toBeCloseTo(1000.3, 9); // a loaded event waited the retention at most
    expect(run(500, {}, model).expiry).toBeUndefined(); // keeping up: nothing expires
  });

  test('a batching window adds the wait for the batch to fill, up to the window', () => {
    // 5 objects/s fill a batch of 10 in 9 / 5 = 1.8 s, less than the 5 s window.
    const r = run(500, {}, { ...platform, loader: { ...platform.loader, batchingWindowSeconds: 5 } });
    expect(r.lag.max).toBeLessThanOrEqual(0.3 + 1.8);
    expect(r.lag.p50).toBeGreaterThan(0.3 + 0.8);
    expect(r.lag.p50).toBeLessThan(0.3 + 1.0);
  });

  test('an ingest limit throttles producers instead of queueing', () => {
    const r = run(20_000);
    expect(byName(r, 'ingest function').utilisation).toBeCloseTo(2, 12);
    expect(r.acceptedEventsPerSecond).toBeCloseTo(10_000, 9);
    expect(r.bottleneck.name).toBe('loader'); // 20 times its capacity, more than ingest's 2
  });

  test('refuses input it cannot simulate, saying what it needs', () => {
    expect(() => simulate(platform, { eventsPerSecond: -1, hours: 1 })).toThrow(/events per second >= 0/);
  });
});

describe('the deployed path and its limits', () => {
  test('reads concurrency, batching, memory, capacity and the scan cutoff from the templates', () => {
    const stacks = fromTemplates({
      Ingestion: {
        Resources: {
          IngestFunctionB02ED0EB: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 1024 } },
          LoaderQueue4303D8DD: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 86400 } },
          LoaderFunctionSqsEventSourceIngestionLoaderQueueB2433745DD39CDD5: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: {
              BatchSize: 10,
              MaximumBatchingWindowInSeconds: 5,
              ScalingConfig: { MaximumConcurrency: 4 },
            },
          },
        },
      },
      Database: {
        Resources: {
          ClusterEB0386A7: {
            Type: 'AWS::RDS::DBCluster',
            Properties: {
              ServerlessV2ScalingConfiguration: {
                MinCapacity: 0,
                MaxCapacity: 8,
                SecondsUntilAutoPause: 600,
              },
            },
          },
          ClusterWriterA91BB273: {
            Type: 'AWS::RDS::DBInstance',
            Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'ClusterEB0386A7' } },
          },
        },
      },
      Analytics: {
        Resources: {
          Workgroup: {
            Type: 'AWS::Athena::WorkGroup',
            Properties: { WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 1073741824 } },
          },
        },
      },
    });
    const aws = awsPlatform(stacks);
    expect(aws.ingest).toMatchObject({ memoryMb: 1024, concurrency: 1000 });
    expect(aws.ingest.vcpus).toBeCloseTo(1024 / 1769, 12);
    expect(aws.loader).toMatchObject({
      concurrency: 4,
      batchSize: 10,
      batchingWindowSeconds: 5,
      queueRetentionSeconds: 86400,
    });
    expect(aws.database).toMatchObject({ maxAcu: 8, autoPauseMinutes: 10 });
    expect(aws.athenaScanCutoffBytes).toBe(1073741824);
    expect(aws.putsPerPrefixPerSecond).toBe(3500);
    expect(aws.eventsPerSecond).toBe(18750);
  });

  test('every limit has a value, a unit, the day it was read and an AWS source', () => {
    const limits = [...loadLimits().values()];
    expect(limits.length).toBeGreaterThan(15);
    for (const l of limits) {
      expect(l.value, l.key).toBeGreaterThan(0);
      expect(l.source, l.key).toMatch(/^https:\/\//);
    }
    expect(limit('lambda.syncPayloadBytes')).toBe(6 * 1024 * 1024);
    expect(() => limit('nope')).toThrow(/has no "nope" limit/);
  });
});
