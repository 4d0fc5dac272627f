/**
 * The access logs' full history on the local platform, in real headless Chromium: `npm start`
 * (in-process, generator off) with the local Athena. S3 server access logs are written into the log
 * bucket of the S3 stand-in where S3 delivers them (date-based partitioning); the loader loads what
 * it keeps into Postgres, and the Full history switch reads every record from the bucket through
 * the Glue table, with the bytes scanned and the cost shown, under "All time" and under a custom
 * period covering one year only.
 */
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_ACCESS_LOGS_PREFIX } from '../../lambda/loader/contract';
import { LOCAL_LOG_BUCKET } from '../../local/ingestion';
import { LOCAL_ACCOUNT_ID } from '../../local/athena/service';
import {
  SHOTS,
  accessLogLine,
  waitForRequests,
  collectProblems,
  keptRecords,
  launchChromium,
  type LogRecord,
} from './browser-harness';
import { startInProcess, type InProcessPlatform } from '../support/local-platform';

const ZONE = 'Asia/Tokyo';
const SOURCE_BUCKET = 'media-bucket';
/** 2024 in Tokyo (UTC+9): from 2024-01-01 00:00 to 2025-01-01 00:00 local time. */
const TOKYO_2024 = { from: Date.parse('2023-12-31T15:00:00Z'), to: Date.parse('2024-12-31T15:00:00Z') };

let running: InProcessPlatform;
let browser: Browser;
let page: Page;
let lines: Map<string, string>;
const problems: string[] = [];

/**
 * Records from December 2023 to March 2025: every operation S3 logs, the ones the loader keeps in
 * Postgres (GET object 200/206, 4xx/5xx) and the ones it leaves out (PUT, 304). Date-based
 * partitioning, which the Glue table reads, began in November 2023.
 */
function history(): LogRecord[] {
  const records: LogRecord[] = [];
  const months = [
    [2023, 11],
    [2024, 0],
    [2024, 3],
    [2024, 6],
    [2024, 11],
    [2025, 1],
  ] as const;
  months.forEach(([year, month], m) => {
    for (let n = 0; n < 6 + m; n++) {
      const kind = n % 4;
      records.push({
        at: new Date(Date.UTC(year, month, 3 + ((n * 5) % 24), (n * 7) % 24, n % 60, 7)),
        bucket: SOURCE_BUCKET,
        key: `media/${year}/clip-${n % 3}.mp4`,
        operation: kind === 2 ? 'REST.PUT.OBJECT' : 'REST.GET.OBJECT',
        status: [200, 206, 200, 404][kind],
        bytes: kind === 3 ? null : 2000 + n,
        ip: `198.51.100.${(n % 4) + 1}`,
      });
    }
  });
  // The last hours of 2024 in UTC are 2025 in Tokyo.
  records.push({ ...records[records.length - 1], at: new Date('2024-12-31T18:00:00Z') });
  return records;
}

/** Puts the records where S3 delivers them with date-based partitioning (EventTime): one object per day. */
async function deliver(records: readonly LogRecord[]): Promise<void> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const s3 = new S3Client({
    endpoint: lines.get('s3 endpoint'),
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const byDay = new Map<string, string[]>();
  records.forEach((r, i) => {
    const day = r.at.toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), accessLogLine(r, `ATH${String(i).padStart(6, '0')}`)]);
  });
  try {
    for (const [day, dayLines] of byDay) {
      const [y, m, d] = day.split('-');
      const key =
        `${DEFAULT_ACCESS_LOGS_PREFIX}${LOCAL_ACCOUNT_ID}/${region}/${SOURCE_BUCKET}/${y}/${m}/${d}/` +
        `${y}-${m}-${d}-00-00-00-${day.replaceAll('-', '')}ABCDEF`;
      await s3.send(
        new PutObjectCommand({ Bucket: LOCAL_LOG_BUCKET, Key: key, Body: dayLines.join('\n') + '\n' }),
      );
    }
  } finally {
    s3.destroy();
  }
}

const records = history();

beforeAll(async () => {
  running = await startInProcess('logs-athena-browser-');
  lines = running.lines;
  await deliver(records);
  // The loader reads the new log objects into Postgres (only the records its rules keep).
  const kept = keptRecords(records).length;
  expect(await running.waitForRows('s3_access_logs', kept)).toBe(kept);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, timezoneId: ZONE });
  collectProblems(page, problems);
  await page.goto(lines.get('dashboard')!);
  await page.fill('#password', lines.get('password')!);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.pathname === '/');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
});

describe('the access logs over full history on the local Athena, in Chromium', () => {
  test('All time on Athena counts every record in the log bucket, with the bytes scanned and the cost', async () => {
    await page.goto(`${lines.get('dashboard')}/?view=logs&range=all`);
    await waitForRequests(page, keptRecords(records).length);
    expect(await page.isDisabled('#engine')).toBe(false);
    expect(await page.isHidden('#logs-athena-cost')).toBe(true);

    await page.click('#engine');
    await page.waitForURL((url) => url.searchParams.get('engine') === 'athena');
    // Athena reads every record, also the PUT requests the loader leaves out of Postgres.
    await waitForRequests(page, records.length);
    expect(records.length).toBeGreaterThan(keptRecords(records).length);
    await page.waitForFunction(
      () => (document.getElementById('logs-athena-cost')?.textContent ?? '').startsWith('Athena scanned'),
      undefined,
      { timeout: 30_000 },
    );
    const note = (await page.textContent('#logs-athena-cost')) ?? '';
    expect(note).toMatch(/^Athena scanned \d+(\.\d)? (B|KB) for these figures, costing \$0\.\d{4}/);
    expect(note).toContain(`Buckets read: ${SOURCE_BUCKET}.`);
    expect(await page.textContent('#period-summary')).toMatch(/^All time: 2023-12-/);
    await page.screenshot({ path: path.join(SHOTS, 'access-logs-athena-local.png'), fullPage: true });
  });

  test('a custom period of one year (in Tokyo) holds exactly the records of that year, on Athena', async () => {
    await page.selectOption('#range', 'custom');
    await page.fill('#period-from', '2024-01-01T00:00');
    await page.fill('#period-to', '2025-01-01T00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    const expected = records.filter(
      (r) => r.at.getTime() >= TOKYO_2024.from && r.at.getTime() < TOKYO_2024.to,
    );
    await waitForRequests(page, expected.length);
    const url = new URL(page.url());
    expect(url.searchParams.get('engine')).toBe('athena');
    expect(url.searchParams.get('from')).toBe(new Date(TOKYO_2024.from).toISOString());

    // The same period on Postgres: only what the loader keeps.
    await page.click('#engine');
    await waitForRequests(page, keptRecords(expected).length);
    expect(await page.isHidden('#logs-athena-cost')).toBe(true);
  });

  test("a key's page on Athena: that key's records of the period", async () => {
    const key = 'media/2024/clip-1.mp4';
    const q = new URLSearchParams({
      view: 'logs',
      key,
      range: 'custom',
      from: new Date(TOKYO_2024.from).toISOString(),
      to: new Date(TOKYO_2024.to).toISOString(),
      engine: 'athena',
    });
    await page.goto(`${lines.get('dashboard')}/?${q}`);
    const expected = records.filter(
      (r) => r.key === key && r.at.getTime() >= TOKYO_2024.from && r.at.getTime() < TOKYO_2024.to,
    );
    await waitForRequests(page, expected.length);
    await page.waitForFunction(
      (n) => document.querySelectorAll('#logs-tables tbody tr').length === n,
      expected.length,
    );
  });

  test('no script errors', () => {
    expect(problems).toEqual([]);
  });
});
