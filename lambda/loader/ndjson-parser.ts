import type { Dataset } from '../../datasets/types';
import { recordValidator } from '../../datasets/validate';
import type { ObjectParser, ParseResult } from './types';

/**
 * Parser for newline-delimited JSON objects (what the ingest function writes). Every line is
 * validated again against the dataset, so objects written by other producers are held to the same
 * rules. Blank lines are skipped; bad lines are rejected with the line number and the reason.
 */
export function ndjsonParser(dataset: Dataset): ObjectParser {
  const validate = recordValidator(dataset);
  return {
    async *parse(lines: AsyncIterable<string>): AsyncIterable<ParseResult> {
      let lineNumber = 0;
      for await (const line of lines) {
        lineNumber += 1;
        if (line.trim() === '') {
          yield { kind: 'skipped' };
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          yield {
            kind: 'rejected',
            lineNumber,
            reason: `invalid JSON: ${(err as Error).message}`,
            raw: line,
          };
          continue;
        }
        const result = validate(value);
        if (result.ok) {
          yield { kind: 'row', row: result.record, lineNumber, raw: line };
        } else {
          yield {
            kind: 'rejected',
            lineNumber,
            reason: result.errors.map((e) => e.message).join(' '),
            raw: line,
          };
        }
      }
    },
  };
}
