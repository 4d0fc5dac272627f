import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isLineError,
  parseS3AccessLogLine,
  safeDecodeUriComponent,
} from '../../../lambda/loader/s3-access-log/parser';
import { generateAccessLogLines } from '../../../bench/s3-access-logs';

const REALISTIC = [...generateAccessLogLines(300, { seed: 42 })];

/** Whatever the input, the parser returns a record or an error with a field and a message. */
function checkTotal(line: string): void {
  const result = parseS3AccessLogLine(line);
  if (isLineError(result)) {
    expect(typeof result.field).toBe('string');
    expect(result.error.length).toBeGreaterThan(0);
  } else {
    expect(result.bucket.length).toBeGreaterThan(0);
    expect(result.request_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    for (const n of [
      result.http_status,
      result.bytes_sent,
      result.object_size,
      result.total_time,
      result.turn_around_time,
    ]) {
      if (n !== null) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
    }
  }
}

describe('parseS3AccessLogLine never throws', () => {
  it('parses every generated realistic line', () => {
    for (const line of REALISTIC) expect(isLineError(parseS3AccessLogLine(line)), line).toBe(false);
  });

  it('on random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => checkTotal(s)),
      { numRuns: 2000 },
    );
  });

  it('on random strings of log-like characters', () => {
    const chars = fc.constantFrom(
      ' ',
      '"',
      '[',
      ']',
      '-',
      '\\',
      '%',
      '/',
      ':',
      '+',
      '0',
      '9',
      'a',
      'Z',
      '.',
      '\r',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 300 }), (cs) => checkTotal(cs.join(''))),
      { numRuns: 2000 },
    );
  });

  it('on realistic lines with random edits (delete, insert, replace, truncate)', () => {
    const edit = fc.record({
      line: fc.constantFrom(...REALISTIC),
      at: fc.nat(),
      kind: fc.constantFrom('delete', 'insert', 'replace', 'truncate'),
      text: fc.string({ maxLength: 5 }),
      length: fc.integer({ min: 1, max: 40 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let line = edits[0].line;
        for (const e of edits) {
          const at = e.at % (line.length + 1);
          if (e.kind === 'delete') line = line.slice(0, at) + line.slice(at + e.length);
          else if (e.kind === 'insert') line = line.slice(0, at) + e.text + line.slice(at);
          else if (e.kind === 'replace') line = line.slice(0, at) + e.text + line.slice(at + e.text.length);
          else line = line.slice(0, at);
        }
        checkTotal(line);
      }),
      { numRuns: 5000 },
    );
  });

  it('on unicode and unpaired surrogates in the key and quoted fields', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        (a, b) => {
          const key = encodeURIComponent(b).replace(/%2F/g, '/') + a.replace(/[ "]/g, '');
          checkTotal(
            REALISTIC[0].replace(
              / (REST|WEBSITE|BATCH|S3)\.([A-Z._]+) \S+ /,
              ` REST.GET.OBJECT ${key || '-'} `,
            ),
          );
          checkTotal(REALISTIC[1].replace(/"[^"]*"$/, `"${a}"`));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('key decoding inverts encodeURIComponent and never throws on broken escapes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        expect(safeDecodeUriComponent(encodeURIComponent(text))).toBe(text);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('%', 'E2', '82', 'AC', 'zz', '2', 'a', '%C3', '%A9', '%20'), {
          maxLength: 20,
        }),
        (parts) => {
          expect(typeof safeDecodeUriComponent(parts.join(''))).toBe('string');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
