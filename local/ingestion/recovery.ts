import type { Database } from '../../db/database';
import { sqlJson } from '../../db/sql-values';

/**
 * Which objects of a bucket the loader has not loaded: those whose key and ETag are missing from
 * `loaded_objects`. The local queue lives in memory, so `npm start` asks this on every start and
 * enqueues the answer: an object accepted just before a crash is loaded after the restart, with no
 * backfill. Keys go to Postgres as one JSON parameter per chunk, under the Data API request limit.
 */

/** Objects per query: about 200 bytes each, far below the 4 MiB request limit. */
const CHUNK = 2000;

export async function unloadedObjects(
  db: Database,
  bucket: string,
  objects: readonly { key: string; etag: string }[],
): Promise<{ key: string; etag: string }[]> {
  const unloaded: { key: string; etag: string }[] = [];
  for (let i = 0; i < objects.length; i += CHUNK) {
    const chunk = objects.slice(i, i + CHUNK).map((o) => ({ key: o.key, etag: o.etag }));
    const rows = await db.query<{ key: string; etag: string }>(
      `SELECT o.key, o.etag
         FROM json_to_recordset(:objects) AS o(key text, etag text)
        WHERE NOT EXISTS (
          SELECT 1 FROM loaded_objects l
           WHERE l.bucket = :bucket AND l.object_key = o.key AND l.etag = o.etag)`,
      { objects: sqlJson(chunk), bucket },
    );
    unloaded.push(...rows);
  }
  return unloaded;
}
