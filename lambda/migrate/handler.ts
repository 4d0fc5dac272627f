import { databaseFromEnv } from '../../db/data-api';
import type { Database } from '../../db/database';
import { DEPLOY_RETRY } from '../../db/retry';
import { MIGRATIONS } from '../../migrations/index';
import { handleMigrationEvent, type OnEventRequest, type OnEventResponse } from './migrate';

/**
 * The schema-migrations custom resource (CDK Provider framework `onEvent`). Runs on every deploy
 * that changes the migrations. A paused Aurora cluster takes 15 to 30 s to resume; Data API calls
 * are retried through `DatabaseResumingException` for up to 10 minutes, so a deploy waits for the
 * database instead of failing.
 */

let db: Database | undefined;

function database(): Database {
  db ??= databaseFromEnv(process.env, DEPLOY_RETRY);
  return db;
}

export async function handler(event: OnEventRequest): Promise<OnEventResponse> {
  return handleMigrationEvent(event, database, MIGRATIONS, (line) => console.log(line));
}
