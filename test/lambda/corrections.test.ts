import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getDataset } from '../../datasets';
import { prepareBatch } from '../../lambda/ingest/ingest';
import { loadObject, type LoadDependencies, type ObjectReader } from '../../lambda/loader/load-object';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

/**
 * A record sent again with the same key and other values: the latest accepted version wins, whatever
 * the order in which the objects load. A version is ordered by the time its object was stored in
 * the lake (S3 LastModified), then the object key, then the line; each row shows which version it
 * holds.
 */

const usage = getDataset('usage');
const routing = { lakeBucket: 'lake' };
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface StoredObject {
  readonly body: Buffer;
  lastModified: Date;
}

function lake() {
  const objects = new Map<string, StoredObject>();
  const reader: ObjectReader = {
    async getObjectStream(_bucket, key) {
      const object = objects.get(key);
      if (!object) return undefined;
      return {
        etag: `etag-${object.body.length}-${object.body.subarray(-6).toString('hex')}`,
        lastModified: object.lastModified,
        body: (async function* () {
          yield object.body;
        })(),
      };
    },
  };
  /** Stores a batch as ingest would, at `time`; returns its key. */
  const put = (records: Record<string, unknown>[], time: string): string => {
    const batch = prepareBatch(usage, records, new Date(time));
    objects.set(batch.raw!.key, { body: batch.raw!.body, lastModified: new Date(time) });
    return batch.raw!.key;
  };
  return { objects, reader, put };
}

const session = (duration: number, extra: Record<string, unknown> = {}) => ({
  person_name: 'Ada Lovelace',
  birth_date: '1990-12-10',
  accessed_at: '2024-05-01T12:00:00Z',
  session_duration: duration,
  download_speed: 50,
  upload_speed: 5,
  consumed_traffic: 100,
  ...extra,
});

let t: TestDatabase;
beforeAll(async () => {
  t = await startTestDatabase();
});
afterAll(() => t?.close());
beforeEach(async () => {
  await t.pg.exec('TRUNCATE usage, loaded_objects, rejected_rows');
});

function deps(reader: ObjectReader, batchSize = 100): LoadDependencies {
  return { reader, db: t.db, routing, batchSize, log: quiet };
}

async function stored() {
  const r = await t.pg.query<{
    session_duration: number;
    _ingested_at: string;
    _object_key: string;
    _line_number: number;
  }>(
    `SELECT session_duration, to_char(_ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS _ingested_at,
            _object_key, _line_number
     FROM usage WHERE person_name = 'Ada Lovelace' ORDER BY accessed_at`,
  );
  return r.rows;
}

describe('a corrected record', () => {
  it.each([
    ['first version first', [0, 1]],
    ['corrected version first', [1, 0]],
  ])('keeps the latest accepted version when loaded %s', async (_order, order) => {
    const { reader, put } = lake();
    const keys = [put([session(100)], '2024-05-01T12:00:00Z'), put([session(200)], '2024-05-01T12:05:00Z')];
    const outcomes = [];
    for (const i of order) outcomes.push(await loadObject(deps(reader), { bucket: 'lake', key: keys[i] }));
    expect(await stored()).toEqual([
      { session_duration: 200, _ingested_at: '2024-05-01T12:05:00Z', _object_key: keys[1], _line_number: 1 },
    ]);
    // The outcome says what happened to the row: replaced by the newer version, or kept against the older.
    const second = outcomes[1];
    if (order[1] === 1) expect(second).toMatchObject({ rowsInserted: 0, rowsUpdated: 1, rowsSkipped: 0 });
    else expect(second).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, rowsSkipped: 1 });
  });

  it('orders versions stored in the same second by object key, in both load orders', async () => {
    const { reader, put } = lake();
    const keys = [put([session(100)], '2024-05-01T12:00:00Z'), put([session(200)], '2024-05-01T12:00:00Z')];
    const winner = keys[0] > keys[1] ? 100 : 200;
    for (const order of [
      [0, 1],
      [1, 0],
    ]) {
      await t.pg.exec('TRUNCATE usage, loaded_objects');
      for (const i of order) await loadObject(deps(reader), { bucket: 'lake', key: keys[i] });
      expect((await stored())[0].session_duration).toBe(winner);
    }
  });

  it('keeps the last line when one object holds the record twice, across batch boundaries too', async () => {
    const { reader, put } = lake();
    const key = put(
      [session(100), session(300, { accessed_at: '2024-05-01T13:00:00Z' }), session(200)],
      '2024-05-01T12:00:00Z',
    );
    for (const batchSize of [1, 2, 100]) {
      await t.pg.exec('TRUNCATE usage, loaded_objects');
      await loadObject(deps(reader, batchSize), { bucket: 'lake', key });
      expect((await stored()).map((r) => [r.session_duration, r._line_number])).toEqual([
        [200, 3],
        [300, 2],
      ]);
    }
  });

  it('lets a batch sent again later win over a correction sent in between (same key, rewritten object)', async () => {
    const { reader, put, objects } = lake();
    const first = put([session(100)], '2024-05-01T12:00:00Z');
    const correction = put([session(200)], '2024-05-01T12:05:00Z');
    await loadObject(deps(reader), { bucket: 'lake', key: first });
    await loadObject(deps(reader), { bucket: 'lake', key: correction });
    expect((await stored())[0].session_duration).toBe(200);
    // The first batch is sent again: the same content rewrites the same object, now the latest.
    objects.get(first)!.lastModified = new Date('2024-05-01T12:10:00Z');
    const again = await loadObject(deps(reader), { bucket: 'lake', key: first });
    expect(again.status).toBe('loaded');
    expect(await stored()).toEqual([
      { session_duration: 100, _ingested_at: '2024-05-01T12:10:00Z', _object_key: first, _line_number: 1 },
    ]);
    // Delivered once more unchanged, it is recognised as already loaded.
    expect((await loadObject(deps(reader), { bucket: 'lake', key: first })).status).toBe('already-loaded');
  });

  it('is counted once: the same versions loaded again change nothing', async () => {
    const { reader, put } = lake();
    const keys = [put([session(100)], '2024-05-01T12:00:00Z'), put([session(200)], '2024-05-01T12:05:00Z')];
    for (const key of keys) await loadObject(deps(reader), { bucket: 'lake', key });
    await t.pg.exec('TRUNCATE loaded_objects');
    const outcomes = [];
    for (const key of keys) outcomes.push(await loadObject(deps(reader), { bucket: 'lake', key }));
    expect(outcomes.map((o) => [o.rowsInserted, o.rowsUpdated, o.rowsSkipped])).toEqual([
      [0, 0, 1],
      [0, 0, 1],
    ]);
    const [{ n }] = (await t.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM usage')).rows;
    expect(n).toBe(1);
  });
});
