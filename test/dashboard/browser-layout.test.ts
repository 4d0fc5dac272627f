/**
 * Layout and accessibility in real headless Chromium. At a phone's 390 x 844 every view (the login
 * page included) fits without horizontal scrolling, every chart is drawn inside the window and the
 * Log out button is not cut off; charts follow the window when it is resized; axe-core finds no
 * serious or critical violation on any view; every control can be reached and used from the
 * keyboard.
 */
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningDashboard } from '../../dashboard-app/src/server';
import type { TestDatabase } from '../support/local-database';
import {
  LOG_BUCKET,
  METRIC_CHARTS,
  SHOTS,
  collectProblems,
  launchChromium,
  startBrowserTestDatabase,
  startTestDashboard,
  loadLogHistory,
  loadUsageHistory,
  logHistory,
  logIn,
} from './browser-harness';

const PASSWORD = 'layout-test-password-123';
const AXE = path.resolve(import.meta.dirname, '..', '..', 'node_modules', 'axe-core', 'axe.min.js');
const LOG_CHARTS = ['logs-series', 'logs-status', 'logs-downloads', 'logs-operations'];

let t: TestDatabase;
let dashboard: RunningDashboard;
let browser: Browser;
let phone: BrowserContext;
let page: Page;
const problems: string[] = [];

/** Every view of the dashboard, with the charts it draws. */
const VIEWS: { name: string; query: string; charts: string[] }[] = [
  { name: 'metrics', query: 'view=metrics&dataset=usage&range=all', charts: METRIC_CHARTS },
  { name: 'access logs', query: 'view=logs&range=all', charts: LOG_CHARTS },
  {
    name: 'key page',
    query: `view=logs&range=all&key=${encodeURIComponent('files/2023/file-1.bin')}`,
    charts: ['logs-series', 'logs-status', 'logs-operations'],
  },
  { name: 'bucket page', query: `view=logs&range=all&bucket=${LOG_BUCKET}`, charts: LOG_CHARTS },
  {
    name: 'custom period',
    query: 'view=logs&range=custom&from=2023-01-01T00:00:00Z&to=2024-01-01T00:00:00Z',
    charts: LOG_CHARTS,
  },
  { name: 'database', query: 'view=database', charts: [] },
];

async function open(p: Page, query: string): Promise<void> {
  await p.goto(`${dashboard.url}/?${query}`);
  await p.waitForFunction(() => document.getElementById('updated')?.textContent?.startsWith('Updated'), {
    timeout: 20_000,
  });
}

/** How far the document is wider than the window, and which elements stick out on the right. */
function overflow(p: Page) {
  return p.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const outside = Array.from(document.querySelectorAll<HTMLElement>('body *'))
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().right > width + 0.5)
      .filter((el) => !el.closest('.table-scroll'))
      .slice(0, 5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${el.getBoundingClientRect().right}`,
      );
    return { scrollWidth: root.scrollWidth, clientWidth: width, outside };
  });
}

/** Where each chart's canvas is, and whether it has been drawn. */
function chartBoxes(p: Page, ids: readonly string[]) {
  return p.evaluate((list) => {
    return list.map((id) => {
      const el = document.getElementById(`chart-${id}`);
      const canvas = el?.querySelector('canvas');
      const box = canvas?.getBoundingClientRect();
      return {
        id,
        visible: Boolean(el && el.offsetParent !== null && canvas && canvas.width > 0 && canvas.height > 0),
        left: box?.left ?? -1,
        right: box?.right ?? Number.POSITIVE_INFINITY,
        width: box?.width ?? 0,
      };
    });
  }, ids);
}

/** axe-core's serious and critical violations on the page as it is now. */
async function axeViolations(p: Page): Promise<string[]> {
  await p.addScriptTag({ path: AXE });
  const violations = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    interface AxeViolation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    }
    const result = await axe.run();
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  return violations;
}

beforeAll(async () => {
  t = await startBrowserTestDatabase();
  await loadLogHistory(t.db, logHistory());
  await loadUsageHistory(t.db);
  dashboard = await startTestDashboard(t.db, PASSWORD, 30);
  browser = await launchChromium();
  // axe-core is injected as a script element, which the page's Content Security Policy would refuse.
  phone = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
  page = await phone.newPage();
  collectProblems(page, problems);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await t?.close();
});

describe('at 390 x 844', () => {
  test('the login page fits and has no serious accessibility violations', async () => {
    await page.goto(`${dashboard.url}/login`);
    const o = await overflow(page);
    expect(o.scrollWidth, o.outside.join('\n')).toBeLessThanOrEqual(o.clientWidth);
    expect(await axeViolations(page)).toEqual([]);
    await logIn(page, dashboard.url, PASSWORD);
  });

  for (const view of VIEWS) {
    test(`${view.name}: no horizontal overflow, every chart drawn inside the window, Log out not cut off`, async () => {
      await open(page, view.query);
      const o = await overflow(page);
      await page.screenshot({
        path: path.join(SHOTS, `phone-${view.name.replace(/ /g, '-')}.png`),
        fullPage: true,
      });
      expect(o.scrollWidth, o.outside.join('\n')).toBeLessThanOrEqual(o.clientWidth);
      for (const box of await chartBoxes(page, view.charts)) {
        expect(box.visible, box.id).toBe(true);
        expect(box.left, box.id).toBeGreaterThanOrEqual(0);
        expect(box.right, box.id).toBeLessThanOrEqual(o.clientWidth);
      }
      const logout = await page.getByRole('button', { name: 'Log out' }).boundingBox();
      expect(logout).not.toBeNull();
      expect(logout!.x).toBeGreaterThanOrEqual(0);
      expect(logout!.x + logout!.width).toBeLessThanOrEqual(o.clientWidth);
    });
  }

  test('at 360 px, the narrowest phones, every view still fits and Log out is not cut off', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    try {
      for (const view of VIEWS) {
        await open(page, view.query);
        const o = await overflow(page);
        expect(o.scrollWidth, `${view.name}: ${o.outside.join('\n')}`).toBeLessThanOrEqual(o.clientWidth);
        const logout = await page.getByRole('button', { name: 'Log out' }).boundingBox();
        expect(logout!.x + logout!.width, view.name).toBeLessThanOrEqual(o.clientWidth);
      }
    } finally {
      await page.setViewportSize({ width: 390, height: 844 });
    }
  });

  test('wide tables scroll inside their own box, which the keyboard can reach', async () => {
    await open(page, 'view=logs&range=all');
    const boxes = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('#logs-tables .table-scroll')).map((el) => ({
        scrolls: getComputedStyle(el).overflowX,
        focusable: el.tabIndex >= 0,
        right: el.getBoundingClientRect().right,
      })),
    );
    expect(boxes.length).toBeGreaterThan(0);
    for (const box of boxes) {
      expect(box.scrolls).toBe('auto');
      expect(box.focusable).toBe(true);
      expect(box.right).toBeLessThanOrEqual(390);
    }
  });
});

describe('at any width', () => {
  test('charts follow the window when it is resized', async () => {
    const wide = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await logIn(wide, dashboard.url, PASSWORD);
      await open(wide, 'view=metrics&dataset=usage&range=all');
      const before = await chartBoxes(wide, ['series']);
      await wide.setViewportSize({ width: 390, height: 844 });
      await wide.waitForFunction(
        () => (document.querySelector('#chart-series canvas')?.getBoundingClientRect().right ?? 1e9) <= 390,
        undefined,
        { timeout: 5_000 },
      );
      const after = await chartBoxes(wide, ['series']);
      expect(after[0].width).toBeLessThan(before[0].width);
      expect(after[0].right).toBeLessThanOrEqual(390);
    } finally {
      await wide.close();
    }
  });

  test('axe-core finds no serious or critical violation on any view, at 1280 and at 390 px', async () => {
    const wide = await browser.newPage({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    try {
      await logIn(wide, dashboard.url, PASSWORD);
      for (const p of [wide, page]) {
        for (const view of VIEWS) {
          await open(p, view.query);
          expect(await axeViolations(p), `${view.name} at ${p.viewportSize()?.width} px`).toEqual([]);
        }
      }
    } finally {
      await wide.close();
    }
  });

  test('every chart has a text title and a summary that assistive technology reads', async () => {
    await open(page, 'view=metrics&dataset=usage&range=all');
    const charts = await page.evaluate((ids) => {
      return ids.map((id) => {
        const el = document.getElementById(`chart-${id}`)!;
        const figure = el.closest('figure');
        const labelledBy = (el.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean);
        const describedBy = (el.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
        const text = (ids: string[]) =>
          ids.map((i) => document.getElementById(i)?.textContent ?? '').join(' ');
        return {
          id,
          role: el.getAttribute('role'),
          caption: figure?.querySelector('figcaption')?.textContent ?? '',
          name: text(labelledBy),
          description: text(describedBy),
        };
      });
    }, METRIC_CHARTS);
    for (const c of charts) {
      expect(c.role, c.id).toBe('img');
      expect(c.caption.trim(), c.id).not.toBe('');
      expect(c.name.trim(), c.id).not.toBe('');
      expect(c.description.trim(), c.id).not.toBe('');
    }
    const top = charts.find((c) => c.id === 'top')!;
    expect(top.name).toMatch(/^Top 10 people by highest session duration/);
    // The summary names the top values, so the numbers are not only in the picture.
    expect(top.description).toMatch(/^Highest: person \d+ \(/);
  });

  test('the period can be changed with the keyboard alone', async () => {
    await open(page, 'view=logs&range=7d');
    await page.focus('#range');
    // Select "All time" with the keyboard: focus the select and type the option's first letters.
    await page.keyboard.type('All');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('range') === 'all', undefined, {
      timeout: 5_000,
    });
    // Tab order reaches the navigation, the period, and the tables' links.
    const reached = new Set<string>();
    await page.focus('body');
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      reached.add(
        await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return el
            ? `${el.tagName.toLowerCase()}#${el.id}:${(el.textContent ?? '').trim().slice(0, 20)}`
            : '';
        }),
      );
    }
    const list = [...reached];
    expect(list.some((s) => s.startsWith('a#') && s.includes('Metrics'))).toBe(true);
    expect(list.some((s) => s.startsWith('select#range'))).toBe(true);
    expect(list.some((s) => s.startsWith('button#') && s.includes('Log out'))).toBe(true);
  });

  test('no script errors', () => {
    expect(problems).toEqual([]);
  });
});
