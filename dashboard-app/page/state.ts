/** The page's selection, kept in the URL so a reload or a shared link shows the same view and period. */
import type { Engine } from '../src/contract';

/** The preset periods, each ending now. */
export const PRESETS = {
  '1h': 3600e3,
  '24h': 86400e3,
  '7d': 7 * 86400e3,
  '30d': 30 * 86400e3,
  '90d': 90 * 86400e3,
  '365d': 365 * 86400e3,
} as const;
export type Preset = keyof typeof PRESETS;
/** A preset, every record (`all`), or the `from`/`to` of the URL (`custom`). */
export type Range = Preset | 'all' | 'custom';

export const VIEWS = ['metrics', 'logs', 'database'] as const;
export type View = (typeof VIEWS)[number];

export interface ViewState {
  view: View;
  dataset: string;
  measure: string;
  range: Range;
  /** The custom period, ISO 8601 UTC; empty unless `range` is `custom`. */
  from: string;
  to: string;
  engine: Engine;
  key: string;
  bucket: string;
}

const DEFAULT_RANGE: Preset = '7d';
const isPreset = (value: string | null): value is Preset => value !== null && value in PRESETS;
const isView = (value: string | null): value is View => (VIEWS as readonly (string | null)[]).includes(value);
/** An instant the URL may carry: anything `Date` reads, written back as ISO 8601 UTC. */
const instant = (value: string | null): string | undefined => {
  const ms = value === null ? NaN : Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

export function readState(): ViewState {
  const q = new URLSearchParams(location.search);
  const view = q.get('view');
  const range = q.get('range');
  const from = instant(q.get('from'));
  const to = instant(q.get('to'));
  const custom = range === 'custom' && from !== undefined && to !== undefined && from < to;
  return {
    view: isView(view) ? view : 'metrics',
    dataset: q.get('dataset') ?? '',
    measure: q.get('measure') ?? '',
    range: custom ? 'custom' : range === 'all' ? 'all' : isPreset(range) ? range : DEFAULT_RANGE,
    from: custom ? from : '',
    to: custom ? to : '',
    engine: q.get('engine') === 'athena' ? 'athena' : 'postgres',
    key: q.get('key') ?? '',
    bucket: q.get('bucket') ?? '',
  };
}

/** The period's part of a link: `range`, and `from`/`to` for a custom period. */
export function periodParams(state: ViewState): Record<string, string> {
  return state.range === 'custom'
    ? { range: 'custom', from: state.from, to: state.to }
    : { range: state.range };
}

export function writeState(state: ViewState): void {
  const q = new URLSearchParams();
  q.set('view', state.view);
  if (state.view === 'metrics') {
    q.set('dataset', state.dataset);
    q.set('measure', state.measure);
  }
  if (state.view === 'logs' && state.key) q.set('key', state.key);
  if (state.view === 'logs' && state.bucket) q.set('bucket', state.bucket);
  // Kept on every view, so that moving between views keeps the period.
  for (const [name, value] of Object.entries(periodParams(state))) q.set(name, value);
  if (state.engine === 'athena' && state.view !== 'database') q.set('engine', 'athena');
  history.replaceState(null, '', '?' + q.toString());
  // The navigation's links carry the period and the engine to the other views.
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a[data-view]')) {
    const link = new URLSearchParams({ view: a.dataset.view ?? 'metrics', ...periodParams(state) });
    if (state.engine === 'athena') link.set('engine', 'athena');
    a.href = '?' + link.toString();
  }
}

/** The period as the API takes it: `period=all`, or `from`/`to` (a preset ends now). */
export function periodQuery(state: ViewState): { period: 'all' } | { from: string; to: string } {
  if (state.range === 'all') return { period: 'all' };
  if (state.range === 'custom') return { from: state.from, to: state.to };
  const to = new Date();
  return { from: new Date(to.getTime() - PRESETS[state.range]).toISOString(), to: to.toISOString() };
}
