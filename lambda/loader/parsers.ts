import type { Dataset, RawFormat } from '../../datasets/types';
import { ndjsonParser } from './ndjson-parser';
import { s3AccessLogParser } from './s3-access-log/object-parser';
import { DEFAULT_ACCESS_LOG_RULES, type AccessLogRules } from './s3-access-log/rules';
import type { ObjectParser, ParserFactory } from './types';

/**
 * The parser of every raw format, by `Dataset.format`. A new format registers its factory here;
 * a format without a parser fails loudly (the object goes to the DLQ) rather than being skipped.
 */
const PARSERS: Partial<Record<RawFormat, ParserFactory>> = {
  ndjson: ndjsonParser,
  's3-access-log': s3AccessLogParser,
};

/** The parser for a dataset's raw objects; throws when its format has no parser. */
export function parserFor(dataset: Dataset, rules: AccessLogRules = DEFAULT_ACCESS_LOG_RULES): ObjectParser {
  const factory = PARSERS[dataset.format];
  if (!factory) {
    throw new Error(
      `Dataset "${dataset.name}" has format "${dataset.format}", which has no parser. ` +
        `Known formats: ${Object.keys(PARSERS).join(', ')}. Register one in lambda/loader/parsers.ts.`,
    );
  }
  return factory(dataset, rules);
}
