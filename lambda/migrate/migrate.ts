import type { Database } from '../../db/database';
import { migrationsHash, runMigrations } from '../../migrations/runner';
import type { Migration } from '../../migrations/index';

/**
 * What the schema-migrations custom resource does for each CloudFormation request type, in the
 * CDK Provider framework's `onEvent` shape: Create and Update apply pending migrations, Delete
 * leaves the schema alone (the database outlives the resource and holds user data).
 */

export interface OnEventRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: Record<string, unknown>;
  readonly LogicalResourceId?: string;
  readonly RequestId?: string;
}

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** Stable: updates never replace the resource, so CloudFormation never sends a Delete for an old one. */
export const PHYSICAL_RESOURCE_ID = 'schema-migrations';

export async function handleMigrationEvent(
  event: OnEventRequest,
  db: () => Database,
  migrations: readonly Migration[],
  log: (line: string) => void,
): Promise<OnEventResponse> {
  const physicalResourceId = event.PhysicalResourceId ?? PHYSICAL_RESOURCE_ID;
  switch (event.RequestType) {
    case 'Create':
    case 'Update': {
      const result = await runMigrations(db(), migrations, log);
      log(
        JSON.stringify({
          message: 'migrations done',
          requestType: event.RequestType,
          applied: result.applied,
          alreadyApplied: result.skipped.length,
        }),
      );
      return {
        PhysicalResourceId: physicalResourceId,
        Data: {
          Applied: result.applied.join(',') || 'none',
          Latest: migrations.at(-1)?.id ?? 'none',
          MigrationsHash: migrationsHash(migrations),
        },
      };
    }
    case 'Delete':
      log(JSON.stringify({ message: 'delete: schema left in place', physicalResourceId }));
      return { PhysicalResourceId: physicalResourceId };
    default:
      throw new Error(
        `Unknown RequestType ${JSON.stringify((event as { RequestType?: unknown }).RequestType)}: ` +
          'expected Create, Update or Delete.',
      );
  }
}
