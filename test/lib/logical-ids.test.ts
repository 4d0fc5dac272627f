import { describe, expect, it } from 'vitest';
import { STATEFUL_TYPES } from '../../scripts/diff-summary';
import { synthApp } from '../support/synth';

/**
 * The logical IDs of every resource that holds data, by stack ID. A changed logical ID makes
 * CloudFormation create a new resource and delete (or orphan) the old one: a renamed construct ID
 * would replace the database or empty a bucket. If this test fails, do not update the list to make
 * it pass: restore the construct ID, or plan the migration and review it with `npm run diff`.
 * A new stateful resource is added here once, so its ID is protected from then on.
 */
const RECORDED: Record<string, Record<string, string>> = {
  Storage: {
    LakeBucket9CD7BBD2: 'AWS::S3::Bucket',
    LogBucketCC3B17E8: 'AWS::S3::Bucket',
    AthenaResultsBucket879938FA: 'AWS::S3::Bucket',
  },
  Database: {
    ClusterEB0386A7: 'AWS::RDS::DBCluster',
    ClusterWriterA91BB273: 'AWS::RDS::DBInstance',
    DatabaseClusterSecretA1307F3A3fdaad7efa858a3daf9490cf0a702aeb: 'AWS::SecretsManager::Secret',
    VpcFlowLogsE6FFDEF9: 'AWS::Logs::LogGroup',
    PostgresLogs6ACF17F4: 'AWS::Logs::LogGroup',
  },
  DatabaseSetup: {
    SchemaMigrationsFunctionLogsE5122A58: 'AWS::Logs::LogGroup',
    SchemaMigrationsProviderLogs53C3EDAA: 'AWS::Logs::LogGroup',
    DefaultSecurityGroupLockdownLogs448EA764: 'AWS::Logs::LogGroup',
    RoleLoginsDashboardSecret9BD10C7A: 'AWS::SecretsManager::Secret',
    RoleLoginsLoaderSecret6BB99B29: 'AWS::SecretsManager::Secret',
    RoleLoginsFunctionLogsE5CB6B39: 'AWS::Logs::LogGroup',
    RoleLoginsProviderLogs308828C5: 'AWS::Logs::LogGroup',
  },
  Analytics: {
    GlueDatabase: 'AWS::Glue::Database',
    UsageTableEAF94029: 'AWS::Glue::Table',
    TradesTable2337C4A7: 'AWS::Glue::Table',
    SamplesTable3DA8C61E: 'AWS::Glue::Table',
    S3AccessLogTableFBC3575B: 'AWS::Glue::Table',
  },
  Guardrails: {
    AlertsKey9D05DB5E: 'AWS::KMS::Key',
  },
  DashboardRepository: {
    ImagesRepository2D0F5B9C: 'AWS::ECR::Repository',
  },
  Ingestion: {
    IngestFunctionLogs3AD22061: 'AWS::Logs::LogGroup',
    LoaderFunctionLogs07DB575C: 'AWS::Logs::LogGroup',
  },
};

/** What `-c generatorEnabled=true` adds to the default app (the generator exists only when enabled). */
const RECORDED_WITH_GENERATOR: Record<string, Record<string, string>> = {
  Ingestion: {
    GeneratorFunctionLogs09BD0A80: 'AWS::Logs::LogGroup',
  },
};

/** The stateful resources of a synthesized app, by stack ID: logical ID -> type. */
function statefulResources(json: Record<string, Record<string, unknown>>) {
  return Object.fromEntries(
    Object.entries(json).map(([stack, template]) => [
      stack,
      Object.fromEntries(
        Object.entries((template['Resources'] ?? {}) as Record<string, { Type: string }>)
          .filter(([, resource]) => STATEFUL_TYPES.has(resource.Type))
          .map(([logicalId, resource]) => [logicalId, resource.Type]),
      ),
    ]),
  ) as Record<string, Record<string, string>>;
}

describe.each([
  ['the default app', {}, RECORDED],
  ['the app with generatorEnabled', { generatorEnabled: 'true' }, merge(RECORDED, RECORDED_WITH_GENERATOR)],
] as const)('stable logical IDs of stateful resources: %s', (_, context, recorded) => {
  // Bundling and cdk-nag do not change logical IDs; skipping them keeps the synth fast.
  const stateful = statefulResources(synthApp(context, { nag: false }).json);

  it.each(Object.keys(recorded))(
    'keeps every recorded stateful resource of %s under its logical ID',
    (stack) => {
      expect(stateful[stack], `stack ${stack} is missing from the app`).toBeDefined();
      for (const [logicalId, type] of Object.entries(recorded[stack]!)) {
        expect(stateful[stack]![logicalId], `${stack}/${logicalId} (${type}) is gone or changed type`).toBe(
          type,
        );
      }
    },
  );

  it('has every stateful resource of the app recorded here', () => {
    const unrecorded = Object.entries(stateful).flatMap(([stack, resources]) =>
      Object.entries(resources)
        .filter(([logicalId]) => !recorded[stack]?.[logicalId])
        .map(([logicalId, type]) => `${stack}: ${logicalId}: '${type}'`),
    );
    expect(unrecorded, 'add these to RECORDED in test/lib/logical-ids.test.ts').toEqual([]);
  });
});

function merge(
  a: Record<string, Record<string, string>>,
  b: Record<string, Record<string, string>>,
): Record<string, Record<string, string>> {
  const out = { ...a };
  for (const [stack, ids] of Object.entries(b)) out[stack] = { ...out[stack], ...ids };
  return out;
}
