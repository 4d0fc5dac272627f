/** The "Full history (Athena)" switch of the metrics and access logs views, and why it is off. */
import type { AthenaStatus, DatasetsResponse } from '../src/contract';
import { byId } from './dom';
import { formatBytes } from './format';
import type { ViewState } from './state';

/**
 * Enables the switch when Athena can answer (`unavailable` gives a reason it cannot for this
 * selection), shows why it is off otherwise, and keeps the state's engine to what can run.
 */
export function syncEngine(meta: DatasetsResponse, state: ViewState, unavailable?: string): void {
  const athena: AthenaStatus =
    meta.athena.available && unavailable ? { available: false, reason: unavailable } : meta.athena;
  const engine = byId('engine', HTMLInputElement);
  engine.disabled = !athena.available;
  engine.checked = athena.available && state.engine === 'athena';
  if (!athena.available) state.engine = 'postgres';
  const note = byId('engine-note');
  note.hidden = athena.available;
  note.textContent = athena.available ? '' : `Full history is off: ${athena.reason}`;
  byId('engine-label').title = athena.available
    ? 'Run the same numbers on Athena over the whole history in S3'
    : athena.reason;
}

/** "Athena scanned 12.0 MB for these charts, costing $0.0001 ($5 per TB scanned, ...)". */
export function athenaCostText(
  usage: { bytesScanned: number; costUsd: number; cachedQueries: number },
  what: string,
): string {
  return (
    `Athena scanned ${formatBytes(usage.bytesScanned)} for ${what}, costing $${usage.costUsd.toFixed(4)} ` +
    '($5 per TB scanned, at least 10 MB per query)' +
    (usage.cachedQueries ? `; ${usage.cachedQueries} answers came from the 5-minute cache` : '') +
    '.'
  );
}
