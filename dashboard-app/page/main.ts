/**
 * The dashboard page: reads the selection from the URL, asks the server for chart data (computed in
 * SQL), draws it with ECharts and refreshes it every few seconds. No inline script, no innerHTML
 * with data: values reach the page through `textContent` or ECharts' canvas.
 */
import type { DatasetsResponse } from '../src/contract';
import { ResumingError, getJson } from './api';
import { resizeCharts } from './charts';
import { renderDatabase } from './database-view';
import { banner, byId } from './dom';
import { renderKey, renderLogs } from './logs-view';
import { renderMetrics } from './metrics-view';
import { hidePeriod, initPeriod, syncPeriod } from './period';
import { VIEWS, readState, writeState, type View, type ViewState } from './state';

let meta: DatasetsResponse | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
/** Counts refreshes, so that an answer to an older one is dropped. */
let generation = 0;

const refreshSeconds = () => meta?.refreshSeconds ?? 5;

function schedule(seconds: number): void {
  clearTimeout(timer);
  timer = setTimeout(() => void refresh(), seconds * 1000);
}

/** Renders the view of the URL; the answer is a notice to show, if any. */
function render(state: ViewState, datasets: DatasetsResponse): Promise<string | undefined> {
  syncPeriod(state);
  if (state.view === 'logs') return state.key ? renderKey(datasets, state) : renderLogs(datasets, state);
  if (state.view === 'database') {
    writeState(state);
    hidePeriod();
    return renderDatabase();
  }
  return renderMetrics(datasets, state).then(() => undefined);
}

async function refresh(): Promise<void> {
  if (!meta) return;
  const state = readState();
  const mine = ++generation;
  try {
    const notice = await render(state, meta);
    if (mine !== generation) return;
    banner(notice ? 'info' : undefined, notice);
    const updated = byId('updated');
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    updated.dataset.updatedAt = String(Date.now());
    schedule(refreshSeconds());
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof ResumingError) {
      banner('waking', `The database is waking up from zero capacity… retrying in ${err.retryAfter} s.`);
      schedule(err.retryAfter);
    } else {
      banner('error', err instanceof Error ? err.message : String(err));
      schedule(Math.max(10, refreshSeconds()));
    }
  }
}

function show(view: View): void {
  for (const v of VIEWS) byId(`view-${v}`).hidden = v !== view;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    const current = a.dataset.view === view;
    a.classList.toggle('active', current);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  for (const el of document.querySelectorAll<HTMLElement>('.metrics-only')) el.hidden = view !== 'metrics';
  for (const el of document.querySelectorAll<HTMLElement>('.period-only')) el.hidden = view === 'database';
  if (view === 'database') byId('engine-note').hidden = true;
  resizeCharts();
}

function change(patch: Partial<ViewState>): void {
  const state = { ...readState(), ...patch };
  writeState(state);
  show(state.view);
  byId('updated').textContent = 'Loading…';
  void refresh();
}

async function start(): Promise<void> {
  show(readState().view);
  try {
    meta = await getJson('/api/datasets');
  } catch (err) {
    if (err instanceof ResumingError) banner('waking', 'The database is waking up… retrying.');
    else banner('error', err instanceof Error ? err.message : String(err));
    setTimeout(() => void start(), 5000);
    return;
  }
  if (!meta.accessLogs) byId('nav-logs').hidden = true;
  const select = (id: string) => byId(id, HTMLSelectElement);
  select('dataset').addEventListener('change', (e) =>
    change({ dataset: (e.target as HTMLSelectElement).value, measure: '' }),
  );
  select('measure').addEventListener('change', (e) =>
    change({ measure: (e.target as HTMLSelectElement).value }),
  );
  initPeriod(change);
  byId('engine', HTMLInputElement).addEventListener('change', (e) =>
    change({ engine: (e.target as HTMLInputElement).checked ? 'athena' : 'postgres' }),
  );
  show(readState().view);
  void refresh();
}

document.addEventListener('DOMContentLoaded', () => void start());
