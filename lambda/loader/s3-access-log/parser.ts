import {
  fieldEnd,
  fieldFailure,
  readCount,
  readOperation,
  readQuoted,
  readStatus,
  readTime,
  readToken,
} from './field-readers';
import { decodeKey } from './key';
import { fail, shown, type S3AccessLogLineError, type S3AccessLogRecord } from './record';
import { readTrailingFields } from './trailing-fields';

/**
 * Parser for the Amazon S3 server access log format (space-separated records delivered to a
 * general purpose bucket), following the AWS documentation field by field:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html
 *
 * One pass over the line by index (`field-readers.ts`), numbers and timestamps read from the
 * characters, no allocation beyond the values themselves. It validates every field it types, so a
 * misaligned or truncated line is rejected with the field at fault instead of being loaded with
 * shifted columns.
 *
 * Vintages: S3 has added fields at the end of the record over the years. The 17 fields up to
 * User-Agent are required; Version Id and every later field are optional (an older line simply
 * ends earlier, and the missing fields are null), and read only while they plausibly are the
 * documented field (`trailing-fields.ts`): unknown fields after them never lose the record.
 */

export {
  DOCUMENTED_FIELD_COUNT,
  isLineError,
  REQUIRED_FIELD_COUNT,
  S3_ACCESS_LOG_FIELDS,
  type S3AccessLogLineError,
  type S3AccessLogRecord,
} from './record';
export { safeDecodeUriComponent } from './key';
export { s3TimeToIso } from './time';

const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;

/** `-` or nothing in a field that every record fills: the record cannot be told apart. */
const bucketRequired = (value: string) =>
  fail('Bucket', `Field 2 (Bucket) is ${shown(value)}: every record names its bucket.`);
const requestIdRequired = (value: string) =>
  fail('Request ID', `Field 6 (Request ID) is ${shown(value)}: every record has a request ID.`);

/**
 * Parses one line of a server access log. Returns the typed record, or an error naming the field
 * at fault. Never throws, whatever the input.
 */
export function parseS3AccessLogLine(line: string): S3AccessLogRecord | S3AccessLogLineError {
  let len = line.length;
  // Tolerate a CR left by CRLF files and trailing blanks.
  while (len > 0) {
    const c = line.charCodeAt(len - 1);
    if (c === CR || c === SPACE || c === TAB) len--;
    else break;
  }
  if (len === 0) return fail('(line)', 'Line is empty.');
  // S3 never writes NUL, and Postgres text cannot hold it: the line is rejected with this reason.
  const nul = line.indexOf('\u0000');
  if (nul !== -1 && nul < len) {
    return fail('(line)', 'Line contains a NUL character, which S3 never writes: the file is corrupt.');
  }

  let pos = 0;
  const bucketOwner = readToken(line, pos, len, 0);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const bucket = readToken(line, pos, len, 1, bucketRequired) as string;
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const requestTime = readTime(line, pos, len) as string;
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const remoteIp = readToken(line, pos, len, 3);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const requester = readToken(line, pos, len, 4);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const requestId = readToken(line, pos, len, 5, requestIdRequired) as string;
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const operation = readOperation(line, pos, len) as string;
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const key = readToken(line, pos, len, 7);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  if (key !== null && key.charCodeAt(0) === QUOTE) {
    return fail(
      'Key',
      `Field 8 (Key) is ${shown(key)}: a URL-encoded key is never quoted (a field is missing before it).`,
    );
  }
  const requestUri = readQuoted(line, pos, len, 8, 'expected a quoted "METHOD URI HTTP/version" or -.');
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const httpStatus = readStatus(line, pos, len);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const errorCode = readToken(line, pos, len, 10);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const bytesSent = readCount(line, pos, len, 11);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const objectSize = readCount(line, pos, len, 12);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const totalTime = readCount(line, pos, len, 13);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const turnAroundTime = readCount(line, pos, len, 14);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const referer = readQuoted(line, pos, len, 15, 'expected a quoted value or -.');
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const userAgent = readQuoted(line, pos, len, 16, 'expected a quoted value or -.', true);
  if ((pos = fieldEnd()) < 0) return fieldFailure();
  const record: S3AccessLogRecord = {
    bucket_owner: bucketOwner,
    bucket,
    request_time: requestTime,
    remote_ip: remoteIp,
    requester,
    request_id: requestId,
    operation,
    key,
    key_decoded: key === null ? null : decodeKey(operation, key),
    request_uri: requestUri,
    http_status: httpStatus,
    error_code: errorCode,
    bytes_sent: bytesSent,
    object_size: objectSize,
    total_time: totalTime,
    turn_around_time: turnAroundTime,
    referer,
    user_agent: userAgent,
    version_id: null,
    host_id: null,
    signature_version: null,
    cipher_suite: null,
    authentication_type: null,
    host_header: null,
    tls_version: null,
    access_point_arn: null,
    acl_required: null,
    source_region: null,
  };
  return readTrailingFields(record, line, pos, len) ?? record;
}
