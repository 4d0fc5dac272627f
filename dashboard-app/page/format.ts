/** How the page writes numbers and sizes. */

export function formatNumber(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en') : v.toPrecision(3);
}

export function formatBytes(v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = v;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return (i === 0 ? String(Math.round(value)) : value.toFixed(1)) + ' ' + units[i];
}

export function formatTime(ms: unknown): string {
  return typeof ms === 'number' && ms ? new Date(ms).toLocaleString() : '—';
}
