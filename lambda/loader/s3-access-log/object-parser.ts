import { hash } from 'node:crypto';
import type { Dataset } from '../../../datasets/types';
import type { ObjectParser, ParsedRow, ParseResult } from '../types';
import { isLineError, parseS3AccessLogLine } from './parser';
import { HourlyRollupTracker } from './rollups';
import { type AccessLogRules, DEFAULT_ACCESS_LOG_RULES, keepRecord } from './rules';

/** Whether a line holds nothing but blanks (spaces, tabs, a CR). */
function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** The record's identity: a digest of its line, without line terminator or trailing blanks. */
export function recordId(line: string): string {
  const last = line.charCodeAt(line.length - 1);
  const normalized = last === 13 || last === 32 || last === 9 ? line.trimEnd() : line;
  return hash('sha256', normalized, 'base64url');
}

/**
 * The loader's parser for `s3-access-log` datasets: parses each line, applies the keep/skip rule,
 * rejects malformed lines (a NUL character included) with their line number and reason, skips
 * blank lines, and keeps the hourly rollups of the hours it loaded up to date (`afterLoad`).
 *
 * The last row of an object is held back until the whole object has been read, so the batch that
 * contains it is known to be the final one and every remaining rollup hour is recomputed then.
 */
export function s3AccessLogParser(
  dataset: Dataset,
  rules: AccessLogRules = DEFAULT_ACCESS_LOG_RULES,
): ObjectParser {
  if (dataset.format !== 's3-access-log') {
    throw new Error(
      `s3AccessLogParser cannot parse dataset "${dataset.name}": its format is "${dataset.format}".`,
    );
  }
  const tracker = new HourlyRollupTracker();
  let inputDone = false;

  return {
    async *parse(lines: AsyncIterable<string>): AsyncIterable<ParseResult> {
      let lineNumber = 0;
      let held: ParseResult | undefined;
      for await (const line of lines) {
        lineNumber += 1;
        const result = parseS3AccessLogLine(line);
        if (isLineError(result)) {
          // Blank lines (a CRLF file's last line, padding) are skipped; every other bad line is kept.
          if (isBlank(line)) yield { kind: 'skipped' };
          else yield { kind: 'rejected', lineNumber, reason: result.error, raw: line };
          continue;
        }
        if (!keepRecord(result, rules)) {
          yield { kind: 'skipped' };
          continue;
        }
        const row = result as unknown as ParsedRow;
        row.record_id = recordId(line);
        if (held) yield held;
        held = { kind: 'row', row, lineNumber, raw: line };
      }
      inputDone = true;
      if (held) yield held;
    },

    async afterLoad(db, rows) {
      await tracker.afterBatch(db, rows as unknown as { bucket: string; request_time: string }[], inputDone);
    },
  };
}
