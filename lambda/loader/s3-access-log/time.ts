/**
 * The Time field of a server access log record, `[06/Feb/2019:00:00:38 +0000]` (strftime
 * `%d/%b/%Y:%H:%M:%S %z`), read from the characters without intermediate strings.
 */

const SPACE = 32;
const DASH = 45;
const DIGIT_0 = 48;

/** The month number (1-12) of the English abbreviation (`%b`) at `i`, or 0. */
function monthNumber(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  switch (a) {
    case 74: // J
      if (b === 97 && c === 110) return 1; // Jan
      if (b === 117 && c === 110) return 6; // Jun
      if (b === 117 && c === 108) return 7; // Jul
      return 0;
    case 70: // F
      return b === 101 && c === 98 ? 2 : 0; // Feb
    case 77: // M
      if (b === 97 && c === 114) return 3; // Mar
      if (b === 97 && c === 121) return 5; // May
      return 0;
    case 65: // A
      if (b === 112 && c === 114) return 4; // Apr
      if (b === 117 && c === 103) return 8; // Aug
      return 0;
    case 83: // S
      return b === 101 && c === 112 ? 9 : 0; // Sep
    case 79: // O
      return b === 99 && c === 116 ? 10 : 0; // Oct
    case 78: // N
      return b === 111 && c === 118 ? 11 : 0; // Nov
    case 68: // D
      return b === 101 && c === 99 ? 12 : 0; // Dec
    default:
      return 0;
  }
}

/** Two decimal digits at `i`, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - DIGIT_0;
  const b = s.charCodeAt(i + 1) - DIGIT_0;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const PAD2 = Array.from({ length: 60 }, (_, n) => (n < 10 ? `0${n}` : String(n)));

/** The last time field read, and its ISO form: the records of a log object come in time order, so
 * consecutive lines often share the second. */
let lastText = '';
let lastIso = '';

/**
 * Reads the Time field `06/Feb/2019:00:00:38 +0000` (strftime `%d/%b/%Y:%H:%M:%S %z`, 26 characters
 * starting at `i`) and returns it as ISO 8601 in UTC, or null when it is not that format.
 */
export function s3TimeToIso(s: string, i: number): string | null {
  if (lastText !== '' && s.startsWith(lastText, i)) return lastIso;
  const iso = readTime(s, i);
  if (iso !== null) {
    lastText = s.slice(i, i + 26);
    lastIso = iso;
  }
  return iso;
}

function readTime(s: string, i: number): string | null {
  if (
    s.charCodeAt(i + 2) !== 47 ||
    s.charCodeAt(i + 6) !== 47 ||
    s.charCodeAt(i + 11) !== 58 ||
    s.charCodeAt(i + 14) !== 58 ||
    s.charCodeAt(i + 17) !== 58 ||
    s.charCodeAt(i + 20) !== SPACE
  ) {
    return null;
  }
  const day = digits2(s, i);
  const month = monthNumber(s, i + 3);
  const century = digits2(s, i + 7);
  const yy = digits2(s, i + 9);
  const hour = digits2(s, i + 12);
  const minute = digits2(s, i + 15);
  const second = digits2(s, i + 18);
  const sign = s.charCodeAt(i + 21);
  const offH = digits2(s, i + 22);
  const offM = digits2(s, i + 24);
  if (
    day < 1 ||
    month === 0 ||
    day > DAYS_IN_MONTH[month] ||
    century < 0 ||
    yy < 0 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60 ||
    (sign !== 43 && sign !== DASH) ||
    offH < 0 ||
    offH > 23 ||
    offM < 0 ||
    offM > 59
  ) {
    return null;
  }
  const year = century * 100 + yy;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return null;
  if (offH === 0 && offM === 0 && second < 60) {
    // S3 writes +0000: the UTC string is the year, month, day and the HH:mm:ss already in the line.
    return `${s.slice(i + 7, i + 11)}-${PAD2[month]}-${s.slice(i, i + 2)}T${s.slice(i + 12, i + 20)}Z`;
  }
  const offsetMs = (sign === 43 ? 1 : -1) * (offH * 60 + offM) * 60_000;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second > 59 ? 59 : second) - offsetMs;
  return new Date(utc).toISOString().replace('.000Z', 'Z');
}
