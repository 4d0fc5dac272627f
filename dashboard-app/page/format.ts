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

const pad = (n: number) => String(n).padStart(2, '0');

/** `2024-03-08`: the calendar date in the browser's time zone. */
export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `2024-03-08T14:05`: the value of a `datetime-local` input, in the browser's time zone. */
export function localInputValue(ms: number): string {
  const d = new Date(ms);
  return `${localDate(ms)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `2024-03-08 14:05`, in the browser's time zone. */
export function localDateTime(ms: number): string {
  return localInputValue(ms).replace('T', ' ');
}

/** The instant of a `datetime-local` value (read in the browser's time zone); undefined when blank or invalid. */
export function fromLocalInput(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  // A date-time without an offset is local time (ECMAScript Date Time String Format).
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `Asia/Tokyo (UTC+09:00)`: the browser's time zone and its offset now. */
export function zoneLabel(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const offset = -new Date().getTimezoneOffset();
  const sign = offset < 0 ? '−' : '+';
  const abs = Math.abs(offset);
  return `${zone} (UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)})`;
}
