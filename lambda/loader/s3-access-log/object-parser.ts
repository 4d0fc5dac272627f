import { hash } from 'node:crypto';
import type { Dataset } from '../../../datasets/types';
import type { ObjectParser, ParsedRow, ParseResult } from '../types';
import { isLineError, parseS3AccessLogLine } from './parser';
import { HourlyRollupTracker } from './rollups';
import { type AccessLogRules, DEFAULT_ACCESS_LOG_RULES, keepRecord } from './rules';

/** Longest raw line kept with a rejection. */
const MAX_RAW_LINE = 10_000;

/** The record's identity: a digest of its line, without line terminator or trailing blanks. */
export function recordId(line: string): string {
  const last = line.charCodeAt(line.length - 1);
  const normalized = last === 13 || last === 32 || last === 9 ? line.trimEnd() : line;
  return hash('sha256', normalized, 'base64url');
}

/**
 * The loader's parser for `s3-access-log` datasets: parses each line, applies the keep/skip rule,
 * rejects malformed lines with their line number and reason, and keeps the hourly rollups of the
 * hours it loaded up to date (`afterLoad`).
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
      let held: ParsedRow | undefined;
      for await (const line of lines) {
        lineNumber += 1;
        const result = parseS3AccessLogLine(line);
        if (isLineError(result)) {
          if (result.field === '(line)') {
            yield { kind: 'skipped' };
          } else {
            const raw = line.length > MAX_RAW_LINE ? `${line.slice(0, MAX_RAW_LINE)}...` : line;
            yield { kind: 'rejected', lineNumber, reason: result.error, raw };
          }
          continue;
        }
        if (!keepRecord(result, rules)) {
          yield { kind: 'skipped' };
          continue;
        }
        const row = result as unknown as ParsedRow;
        row.record_id = recordId(line);
        if (held) yield { kind: 'row', row: held };
        held = row;
      }
      inputDone = true;
      if (held) yield { kind: 'row', row: held };
    },

    async afterLoad(db, rows) {
      await tracker.afterBatch(db, rows as unknown as { bucket: string; request_time: string }[], inputDone);
    },
  };
}
