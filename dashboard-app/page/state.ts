/** The page's selection, kept in the URL so a reload or a shared link shows the same view. */
import type { Engine } from '../src/contract';

export const RANGES = {
  '1h': 3600e3,
  '24h': 86400e3,
  '7d': 7 * 86400e3,
  '30d': 30 * 86400e3,
  '90d': 90 * 86400e3,
  '365d': 365 * 86400e3,
} as const;
export type Range = keyof typeof RANGES;

export const VIEWS = ['metrics', 'logs', 'database'] as const;
export type View = (typeof VIEWS)[number];

export interface ViewState {
  view: View;
  dataset: string;
  measure: string;
  range: Range;
  engine: Engine;
  key: string;
  bucket: string;
}

const isRange = (value: string | null): value is Range => value !== null && value in RANGES;
const isView = (value: string | null): value is View => (VIEWS as readonly (string | null)[]).includes(value);

export function readState(): ViewState {
  const q = new URLSearchParams(location.search);
  const view = q.get('view');
  const range = q.get('range');
  return {
    view: isView(view) ? view : 'metrics',
    dataset: q.get('dataset') ?? '',
    measure: q.get('measure') ?? '',
    range: isRange(range) ? range : '7d',
    engine: q.get('engine') === 'athena' ? 'athena' : 'postgres',
    key: q.get('key') ?? '',
    bucket: q.get('bucket') ?? '',
  };
}

export function writeState(state: ViewState): void {
  const q = new URLSearchParams();
  q.set('view', state.view);
  if (state.view === 'metrics') {
    q.set('dataset', state.dataset);
    q.set('measure', state.measure);
    if (state.engine === 'athena') q.set('engine', 'athena');
  }
  if (state.view === 'logs' && state.key) q.set('key', state.key);
  if (state.view === 'logs' && state.bucket) q.set('bucket', state.bucket);
  q.set('range', state.range);
  history.replaceState(null, '', '?' + q.toString());
}

/** The selected range ending now, as the API's `from` and `to`. */
export function timeRange(state: ViewState): { from: string; to: string } {
  const to = new Date();
  return { from: new Date(to.getTime() - RANGES[state.range]).toISOString(), to: to.toISOString() };
}
