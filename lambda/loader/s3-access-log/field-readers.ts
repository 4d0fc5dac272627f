import { empty, fail, fieldName, missing, shown, type S3AccessLogLineError } from './record';
import { s3TimeToIso } from './time';

/**
 * Readers of the kinds of fields a log line holds: plain tokens, the bracketed time, quoted
 * strings, the status code and counts. Each takes the line, the index where the field starts, the
 * length of the line (without trailing blanks) and the field's 0-based index (for error messages),
 * and returns the field's value (`null` for `-`). Where the next field starts is then in
 * `fieldEnd()`; -1 when the field does not match the format, and `fieldFailure()` names the field
 * and what was wrong. Character codes are compared directly and values sliced once; the line and
 * the position travel as arguments, so the readers stay as fast as one function reading inline.
 */

const SPACE = 32;
const QUOTE = 34;
const DASH = 45;
const BACKSLASH = 92;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

let next = 0;
let failure: S3AccessLogLineError | undefined;

/** Index where the field after the one read last starts; -1 when that field did not match the format. */
export function fieldEnd(): number {
  return next;
}

/** Why the field read last did not match the format. */
export function fieldFailure(): S3AccessLogLineError {
  return failure ?? fail('(line)', 'The line does not match the format.');
}

function failed(error: S3AccessLogLineError): null {
  failure = error;
  next = -1;
  return null;
}

/** Builds the error for a field every record fills, found `-` or empty. */
export type RequiredField = (value: string) => S3AccessLogLineError;

/**
 * A space-separated token that another field follows; `-` is null unless the field is `required`,
 * which builds the error for `-` or an empty value.
 */
export function readToken(
  line: string,
  start: number,
  len: number,
  index: number,
  required?: RequiredField,
): string | null {
  const end = line.indexOf(' ', start);
  if (end === -1 || end >= len) return failed(missing(index + 1, index + 1));
  const isDash = end - start === 1 && line.charCodeAt(start) === DASH;
  if (required !== undefined && (end === start || isDash)) return failed(required(line.slice(start, end)));
  if (end === start) return failed(empty(index));
  next = end + 1;
  return isDash ? null : line.slice(start, end);
}

/** The Operation (index 6): SERVICE.ACTION[.RESOURCE], a dot after the first character, unquoted. */
export function readOperation(line: string, start: number, len: number): string | null {
  const end = line.indexOf(' ', start);
  if (end === -1 || end >= len) return failed(missing(7, 7));
  // A quote means a shifted line: a field is missing before it.
  const dot = line.indexOf('.', start);
  if (end === start || dot <= start || dot >= end - 1 || line.charCodeAt(start) === QUOTE) {
    return failed(badOperation(line, start, end));
  }
  next = end + 1;
  return line.slice(start, end);
}

/** The Time field (index 2): `[dd/Mon/yyyy:HH:mm:ss +zzzz]`, as ISO 8601 UTC. */
export function readTime(line: string, start: number, len: number): string | null {
  if (
    line.charCodeAt(start) !== OPEN_BRACKET ||
    line.charCodeAt(start + 27) !== CLOSE_BRACKET ||
    start + 28 > len
  ) {
    return failed(badTimeShape(line, start, len));
  }
  const iso = s3TimeToIso(line, start + 1);
  if (iso === null) return failed(badTime(line, start));
  if (start + 28 >= len) return failed(missing(3, 3));
  if (line.charCodeAt(start + 28) !== SPACE)
    return failed(fail('Time', 'Field 3 (Time) is not followed by a space.'));
  next = start + 29;
  return iso;
}

/**
 * A quoted field (`"..."`, `"-"` or `-`); `expected` completes the error message. `last`: the field
 * may end the line (User-Agent), and `fieldEnd()` is the index just after it; otherwise another
 * field must follow.
 */
export function readQuoted(
  line: string,
  start: number,
  len: number,
  index: number,
  expected: string,
  last = false,
): string | null {
  const c = line.charCodeAt(start);
  let value: string | null = null;
  let end: number;
  if (c === QUOTE) {
    const close = quotedEnd(line, start, len);
    if (close < 0) return failed(unterminated(index, line, start));
    value = quotedValue(line, start, close);
    end = close + 1;
  } else if (c === DASH && (start + 1 === len || line.charCodeAt(start + 1) === SPACE)) {
    end = start + 1;
  } else {
    return failed(badQuoted(index, line, start, expected));
  }
  if (last) {
    next = end;
    return value;
  }
  if (end >= len) return failed(missing(index + 1, index + 1));
  next = end + 1;
  return value;
}

/** The HTTP status (index 9): a code from 100 to 599, or `-`. */
export function readStatus(line: string, start: number, len: number): number | null {
  let i = start;
  let status: number | null = null;
  let c = line.charCodeAt(i);
  if (c === DASH && (line.charCodeAt(i + 1) === SPACE || i + 1 >= len)) {
    i++;
  } else {
    let n = 0;
    while (i < len && (c = line.charCodeAt(i)) >= DIGIT_0 && c <= DIGIT_9 && i - start < 4) {
      n = n * 10 + (c - DIGIT_0);
      i++;
    }
    if (i === start || (i < len && line.charCodeAt(i) !== SPACE) || n < 100 || n > 599) {
      return failed(badStatus(line, start, len));
    }
    status = n;
  }
  if (i >= len) return failed(missing(10, 10));
  next = i + 1;
  return status;
}

/** A count (bytes or milliseconds, indexes 11 to 14) that another field follows: a whole number or `-`. */
export function readCount(line: string, start: number, len: number, index: number): number | null {
  let i = start;
  let c = line.charCodeAt(i);
  let value: number | null = null;
  let bad: boolean;
  if (c === DASH) {
    i++;
    bad = !(i === len || line.charCodeAt(i) === SPACE);
  } else {
    let n = 0;
    while (i < len && (c = line.charCodeAt(i)) >= DIGIT_0 && c <= DIGIT_9) {
      n = n * 10 + (c - DIGIT_0);
      i++;
    }
    bad = i === start || (i < len && c !== SPACE) || n > Number.MAX_SAFE_INTEGER;
    value = n;
  }
  if (bad) return failed(badCount(index, line, start, len));
  if (i >= len) return failed(missing(index + 1, index + 1));
  next = i + 1;
  return value;
}

/**
 * Index of the quote closing the quoted field opened at `start`: the first unescaped `"` followed by
 * a space or the end of the line; -1 when there is none. A backslash escapes the next character.
 */
function quotedEnd(s: string, start: number, len: number): number {
  let i = start + 1;
  while (i < len) {
    const q = s.indexOf('"', i);
    if (q === -1 || q >= len) return -1;
    // Count the backslashes before the quote: an odd number escapes it.
    let b = q - 1;
    while (b > start && s.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0 && (q + 1 === len || s.charCodeAt(q + 1) === SPACE)) return q;
    i = q + 1;
  }
  return -1;
}

/** The content of a quoted field, unescaped; `"-"` (the log's "no value") is null. */
function quotedValue(s: string, open: number, close: number): string | null {
  if (close - open === 2 && s.charCodeAt(open + 1) === DASH) return null;
  const value = s.slice(open + 1, close);
  // Search the value only, not the rest of the line.
  return value.indexOf('\\') === -1 ? value : unescapeQuoted(s, open + 1, close);
}

function unescapeQuoted(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) === BACKSLASH && i + 1 < end) {
      const following = s.charCodeAt(i + 1);
      if (following === QUOTE || following === BACKSLASH) {
        out += s.slice(from, i);
        from = i + 1;
        i++;
      }
    }
  }
  return out + s.slice(from, end);
}

function unterminated(index: number, s: string, start: number): S3AccessLogLineError {
  const name = fieldName(index);
  return fail(
    name,
    `Field ${index + 1} (${name}) starts ${shown(s.slice(start, start + 40))} but its closing quote is missing ` +
      '(the line is truncated or the quote is not followed by a space).',
  );
}

// The error messages, apart from the readers so the readers stay small enough to be inlined.

function badOperation(line: string, start: number, end: number): S3AccessLogLineError {
  return fail(
    'Operation',
    `Field 7 (Operation) is ${shown(line.slice(start, end))}: expected SOAP.operation, ` +
      'REST.HTTP_method.resource_type, WEBSITE.HTTP_method.resource_type, BATCH.DELETE.OBJECT or S3.action.',
  );
}

function badTimeShape(line: string, start: number, len: number): S3AccessLogLineError {
  const close = line.indexOf(']', start);
  return fail(
    'Time',
    `Field 3 (Time) is ${shown(line.slice(start, close === -1 ? Math.min(len, start + 30) : close + 1))}: ` +
      'expected [dd/Mon/yyyy:HH:mm:ss +zzzz], e.g. [06/Feb/2019:00:00:38 +0000].',
  );
}

function badTime(line: string, start: number): S3AccessLogLineError {
  return fail(
    'Time',
    `Field 3 (Time) is ${shown(line.slice(start, start + 28))}: not a valid date and time ` +
      '[dd/Mon/yyyy:HH:mm:ss +zzzz], e.g. [06/Feb/2019:00:00:38 +0000].',
  );
}

function badQuoted(index: number, line: string, start: number, expected: string): S3AccessLogLineError {
  const name = fieldName(index);
  return fail(
    name,
    `Field ${index + 1} (${name}) starts ${shown(line.slice(start, start + 30))}: ${expected}`,
  );
}

function badStatus(line: string, start: number, len: number): S3AccessLogLineError {
  const e = line.indexOf(' ', start);
  return fail(
    'HTTP status',
    `Field 10 (HTTP status) is ${shown(line.slice(start, e === -1 ? len : e))}: expected a status code from 100 to 599 or -.`,
  );
}

function badCount(index: number, line: string, start: number, len: number): S3AccessLogLineError {
  const name = fieldName(index);
  const e = line.indexOf(' ', start);
  const what = index <= 12 ? 'a number of bytes' : 'a number of milliseconds';
  return fail(
    name,
    `Field ${index + 1} (${name}) is ${shown(line.slice(start, e === -1 || e > len ? len : e))}: expected ${what} or -.`,
  );
}
