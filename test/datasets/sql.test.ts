import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS } from '../../datasets';
import { assertValidDatasets, checkDataset } from '../../datasets/check';
import { createTableSql } from '../../datasets/sql';
import { insertSql, toSqlParams } from '../../db/dataset-sql';
import { samples } from '../../datasets/samples';
import { trades } from '../../datasets/trades';
import { usage } from '../../datasets/usage';
import type { Dataset } from '../../datasets/types';
import { startTestDatabase, type TestDatabase } from '../support/local-database';

describe('dataset SQL', () => {
  it('derives a table with the key as primary key and an index on the time column', () => {
    const [table, index] = createTableSql(usage);
    expect(table).toContain('CREATE TABLE IF NOT EXISTS usage (');
    expect(table).toContain('  accessed_at timestamptz NOT NULL,');
    expect(table).toContain('  download_speed double precision NOT NULL,');
    expect(table).toContain('PRIMARY KEY (person_name, accessed_at)');
    expect(index).toBe('CREATE INDEX IF NOT EXISTS usage_accessed_at_idx ON usage (accessed_at)');
    expect(createTableSql(samples)[0]).toMatch(/attributes jsonb,\n/);
  });

  it('derives an idempotent insert with named parameters', () => {
    expect(insertSql(trades)).toBe(
      'INSERT INTO trades (trade_id, symbol, price, volume, traded_at) VALUES (:trade_id, :symbol, :price, :volume, :traded_at) ' +
        'ON CONFLICT (trade_id) DO NOTHING',
    );
  });

  it('converts records to parameters with type hints, naming the column of a bad value', () => {
    expect(
      toSqlParams(trades, {
        trade_id: 't1',
        symbol: 'BTC-USD',
        price: '64000.5',
        volume: 0.25,
        traded_at: '2024-05-01T12:00:00.000Z',
      }),
    ).toEqual({
      trade_id: 't1',
      symbol: 'BTC-USD',
      price: { kind: 'decimal', value: '64000.5' },
      volume: { kind: 'decimal', value: '0.25' },
      traded_at: { kind: 'timestamp', value: '2024-05-01 12:00:00.000' },
    });
    expect(() => toSqlParams(trades, { trade_id: 't1', symbol: 'X', price: '1', volume: '1' })).toThrow(
      'Dataset "trades", column "traded_at": a value is required (the column is not nullable).',
    );
    expect(() =>
      toSqlParams(trades, {
        trade_id: 't1',
        symbol: 'X',
        price: 'cheap',
        volume: '1',
        traded_at: '2024-05-01T00:00:00Z',
      }),
    ).toThrow(/Dataset "trades", column "price": .*"cheap"/);
  });

  describe('against Postgres', () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await startTestDatabase();
    });
    afterAll(() => t.close());

    it('inserts a record of every built-in dataset once, ignoring a re-load', async () => {
      const records: Record<string, Record<string, unknown>> = {
        usage: {
          person_name: 'Ada Lovelace',
          birth_date: '1815-12-10',
          accessed_at: '2024-05-01T12:00:00.000Z',
          session_duration: 600,
          download_speed: 50.5,
          upload_speed: 5,
          consumed_traffic: 123.456,
        },
        trades: {
          trade_id: 't-1',
          symbol: 'AAPL',
          price: '189.9900',
          volume: '10',
          traded_at: '2024-05-01T12:00:00Z',
        },
        samples: {
          sample_id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
          sampled_at: '2024-05-01T12:00:00Z',
          walk: -1.5,
          normal: 101.2,
          category: 'beta',
          flag: true,
          attributes: { source: 'test', tags: [1, 2] },
        },
      };
      for (const dataset of [usage, trades, samples]) {
        const params = toSqlParams(dataset, records[dataset.name]);
        expect((await t.db.execute(insertSql(dataset), params)).numberOfRecordsUpdated).toBe(1);
        expect((await t.db.execute(insertSql(dataset), params)).numberOfRecordsUpdated).toBe(0);
      }
      expect(await t.db.query('SELECT price, volume, traded_at FROM trades')).toEqual([
        { price: '189.9900', volume: '10', traded_at: '2024-05-01 12:00:00' },
      ]);
      expect(await t.db.query('SELECT attributes, flag FROM samples')).toEqual([
        { attributes: '{"tags": [1, 2], "source": "test"}', flag: true },
      ]);
    });
  });
});

describe('dataset checks', () => {
  it('accepts every built-in dataset', () => {
    expect(DATASETS.flatMap(checkDataset)).toEqual([]);
    expect(() => assertValidDatasets(DATASETS)).not.toThrow();
  });

  it('names each problem with the dataset and the field', () => {
    const bad: Dataset = {
      ...usage,
      name: 'Bad-Name',
      key: ['person_name', 'missing'],
      entityColumn: 'nobody',
      columns: [
        ...usage.columns.map((c) => (c.name === 'person_name' ? { ...c, nullable: true } : c)),
        { ...usage.columns[2], name: 'second_time' },
        { ...usage.columns[0], name: 'select' },
      ],
    };
    expect(checkDataset(bad)).toEqual([
      'Dataset "Bad-Name": name "Bad-Name" is not snake_case: use lower-case letters, digits and single underscores, starting with a letter.',
      'Dataset "Bad-Name": column 8 name "select" is a reserved SQL word; choose another name.',
      'Dataset "Bad-Name": needs exactly one column with role "time", has 2 (accessed_at, second_time).',
      'Dataset "Bad-Name": key column "person_name" is nullable; key columns must not be.',
      'Dataset "Bad-Name": key column "missing" is not a column of the dataset.',
      'Dataset "Bad-Name": entityColumn "nobody" is not a column of the dataset.',
    ]);
    expect(() => assertValidDatasets([usage, usage])).toThrow('Dataset name "usage" is used twice.');
  });
});
