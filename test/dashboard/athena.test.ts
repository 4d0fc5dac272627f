import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { describe, expect, test } from 'vitest';
import { getDataset } from '../../datasets';
import { AthenaQueryError, AthenaRunner, athenaCostUsd } from '../../dashboard-app/src/athena';
import { loadCharts } from '../../dashboard-app/src/charts';
import { chartQueries } from '../../dashboard-app/src/queries';
import { startDashboardServer } from '../../dashboard-app/src/server';
import { startTestDatabase } from '../support/local-database';
import { loginCookie } from '../support/dashboard-login';

const MB = 1024 * 1024;
const usage = getDataset('usage');
const selection = {
  dataset: usage,
  measure: usage.columns.find((c) => c.name === 'download_speed')!,
  from: new Date('2025-03-01T00:00:00Z'),
  to: new Date('2025-03-08T00:00:00Z'),
};

describe('Athena cost', () => {
  test('$5 per TB scanned, rounded up to the MB, at least 10 MB per query', () => {
    expect(athenaCostUsd(0)).toBeCloseTo((10 * 5) / (1024 * 1024), 12);
    expect(athenaCostUsd(10 * MB)).toBeCloseTo((10 * 5) / (1024 * 1024), 12);
    expect(athenaCostUsd(10 * MB + 1)).toBeCloseTo((11 * 5) / (1024 * 1024), 12);
    expect(athenaCostUsd(1024 * 1024 * MB)).toBeCloseTo(5, 9);
  });
});

type Sent = StartQueryExecutionCommand | GetQueryExecutionCommand | GetQueryResultsCommand;

/** A scripted stand-in for the Athena API: Athena has no local equivalent. */
function fakeAthena(script: { states: string[]; rows: string[][]; bytes?: number; reason?: string }) {
  const sent: Sent[] = [];
  let polls = 0;
  let ids = 0;
  const client = {
    send: async (command: Sent) => {
      sent.push(command);
      if (command instanceof StartQueryExecutionCommand) return { QueryExecutionId: `q-${++ids}` };
      if (command instanceof GetQueryExecutionCommand) {
        const state = script.states[Math.min(polls++, script.states.length - 1)];
        return {
          QueryExecution: {
            Status: { State: state, StateChangeReason: script.reason },
            Statistics: { DataScannedInBytes: script.bytes ?? 0 },
          },
        };
      }
      const all = script.rows.map((r) => ({ Data: r.map((v) => ({ VarCharValue: v })) }));
      // Two pages, to exercise NextToken.
      return command.input.NextToken
        ? { ResultSet: { Rows: all.slice(2) } }
        : { ResultSet: { Rows: all.slice(0, 2) }, NextToken: all.length > 2 ? 'next' : undefined };
    },
  } as unknown as Pick<AthenaClient, 'send'>;
  return { client, sent };
}

describe('Athena runner (mocked Athena API)', () => {
  const query = chartQueries(selection, 'athena').box!;

  test('starts the query on the workgroup and database with execution parameters, polls, reads every page', async () => {
    const { client, sent } = fakeAthena({
      states: ['QUEUED', 'RUNNING', 'SUCCEEDED'],
      rows: [
        ['n', 'min'],
        ['3', '1.5'],
        ['4', '2.5'],
      ],
      bytes: 42 * MB,
    });
    const waits: number[] = [];
    const runner = new AthenaRunner({
      client,
      target: { workgroup: 'analytics', database: 'analytics_lake' },
      sleep: async (ms) => void waits.push(ms),
    });
    const result = await runner.run(query);
    expect(result.rows).toEqual([
      { n: '3', min: '1.5' },
      { n: '4', min: '2.5' },
    ]);
    expect(result.bytesScanned).toBe(42 * MB);
    expect(result.costUsd).toBeCloseTo(athenaCostUsd(42 * MB), 12);
    expect(waits).toEqual([200, 400]);
    const start = sent[0] as StartQueryExecutionCommand;
    expect(start.input).toMatchObject({
      QueryString: query.sql,
      WorkGroup: 'analytics',
      QueryExecutionContext: { Database: 'analytics_lake' },
      ExecutionParameters: query.executionParameters,
    });
  });

  test('answers the same statement from the cache for 5 minutes, then asks Athena again', async () => {
    let now = 0;
    const { client, sent } = fakeAthena({ states: ['SUCCEEDED'], rows: [['n'], ['1']] });
    const runner = new AthenaRunner({
      client,
      target: { workgroup: 'w', database: 'd' },
      now: () => now,
      sleep: async () => {},
    });
    expect((await runner.run(query)).cached).toBe(false);
    now += 4 * 60_000;
    expect((await runner.run(query)).cached).toBe(true);
    now += 2 * 60_000;
    expect((await runner.run(query)).cached).toBe(false);
    expect(sent.filter((c) => c instanceof StartQueryExecutionCommand)).toHaveLength(2);
  });

  test("a failed query's error quotes Athena's reason and the chart", async () => {
    const { client } = fakeAthena({ states: ['FAILED'], rows: [], reason: 'TABLE_NOT_FOUND: usage' });
    const runner = new AthenaRunner({
      client,
      target: { workgroup: 'w', database: 'd' },
      sleep: async () => {},
    });
    await expect(runner.run(query)).rejects.toThrow(
      /Athena query q-1 \(box chart\) failed: TABLE_NOT_FOUND: usage/,
    );
    await expect(runner.run(query)).rejects.toBeInstanceOf(AthenaQueryError);
  });

  test('a query that never finishes gives up with advice', async () => {
    let now = 0;
    const { client } = fakeAthena({ states: ['RUNNING'], rows: [] });
    const runner = new AthenaRunner({
      client,
      target: { workgroup: 'w', database: 'd' },
      timeoutMs: 1000,
      now: () => now,
      sleep: async (ms) => void (now += ms),
    });
    await expect(runner.run(query)).rejects.toThrow(/did not finish within 1 s; choose a shorter time range/);
  });

  test('Athena string results shape into the same charts as Postgres rows', async () => {
    const { client } = fakeAthena({
      states: ['SUCCEEDED'],
      rows: [
        ['n', 'min', 'q1', 'median', 'q3', 'max'],
        ['4', '1', '2', '3', '4', '5'],
      ],
    });
    const runner = new AthenaRunner({
      client,
      target: { workgroup: 'w', database: 'd' },
      sleep: async () => {},
    });
    const charts = await loadCharts(selection, 'athena', async (q) =>
      q.chart === 'box' ? (await runner.run(q)).rows : [],
    );
    expect(charts.charts.box).toMatchObject({
      approximate: true,
      stats: { count: 4, min: 1, q1: 2, median: 3, q3: 4, max: 5 },
    });
  });
});

describe('Athena charts through the dashboard API (mocked Athena API)', () => {
  test('refreshes within the same minute are answered from the cache, not new scans', async () => {
    const { client, sent } = fakeAthena({ states: ['SUCCEEDED'], rows: [['n'], ['1']] });
    const runner = new AthenaRunner({
      client,
      target: { workgroup: 'w', database: 'd' },
      sleep: async () => {},
    });
    const t = await startTestDatabase();
    const dashboard = await startDashboardServer({
      db: t.db,
      password: 'a-test-password-of-some-length',
      athena: runner,
      log: () => {},
    });
    try {
      const cookie = await loginCookie(dashboard.url, 'a-test-password-of-some-length');
      const charts = (to: string) =>
        fetch(`${dashboard.url}/api/charts?dataset=usage&engine=athena&from=2026-11-20T00:00:00Z&to=${to}`, {
          headers: { cookie },
        });
      const starts = () => sent.filter((c) => c instanceof StartQueryExecutionCommand).length;

      await charts('2026-11-27T10:00:05.123Z');
      const first = starts();
      expect(first).toBeGreaterThan(0);
      await charts('2026-11-27T10:00:35.456Z');
      expect(starts()).toBe(first);
      await charts('2026-11-27T10:01:02.000Z');
      expect(starts()).toBe(2 * first);
    } finally {
      await dashboard.close();
      await t.close();
    }
  });
});
