import { fail, type S3AccessLogLineError, type S3AccessLogRecord } from './record';

/**
 * The optional fields after User-Agent (Version Id to Source Region), which S3 added to the format
 * over the years and may keep adding to: "you should write code that parses the log to handle new
 * fields that are added at the end" (Programming considerations for extensible server access log
 * format, https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html).
 *
 * A record is never lost for them: each field is read only while it plausibly is the documented
 * field at its position; from the first one that is not (a value of another shape, a quoted value,
 * an empty field from a doubled space), that field and all after it are unknown fields and stay
 * null. A line ending early leaves the missing fields null (an older vintage of the format).
 */

/** The trailing fields of a record; null when absent, `-`, or not plausibly that field. */
export type TrailingFields = Pick<
  S3AccessLogRecord,
  | 'version_id'
  | 'host_id'
  | 'signature_version'
  | 'cipher_suite'
  | 'authentication_type'
  | 'host_header'
  | 'tls_version'
  | 'access_point_arn'
  | 'acl_required'
  | 'source_region'
>;

const SPACE = 32;
const QUOTE = 34;
const DASH = 45;

/** Whether `s` holds the four characters `a`, `b`, `c`, `d` (char codes) at `at`. */
function has4(s: string, at: number, a: number, b: number, c: number, d: number): boolean {
  return (
    s.charCodeAt(at) === a &&
    s.charCodeAt(at + 1) === b &&
    s.charCodeAt(at + 2) === c &&
    s.charCodeAt(at + 3) === d
  );
}

/** Whether `s[start, end)` is an AWS Region: two lower-case letters, a dash, ..., a digit (us-east-1). */
function isRegion(s: string, start: number, end: number): boolean {
  const a = s.charCodeAt(start);
  const b = s.charCodeAt(start + 1);
  const last = s.charCodeAt(end - 1);
  return (
    end - start >= 6 &&
    a >= 97 &&
    a <= 122 &&
    b >= 97 &&
    b <= 122 &&
    s.charCodeAt(start + 2) === DASH &&
    last >= 48 &&
    last <= 57
  );
}

/**
 * Reads the trailing fields of `line` from `pos` (just after User-Agent) to `len` into `record`,
 * whose trailing fields are null. A field is read only while it plausibly is the documented one: a
 * Signature Version starts `SigV`, an Authentication Type is `AuthHeader` or `QueryString`, a TLS
 * version starts `TLS`, an Access Point ARN `arn:`, aclRequired is `Yes`, a Source Region looks like
 * `us-east-1`; the free-form fields (Version Id, Host Id, Cipher Suite, Host Header) take any
 * unquoted token. Reading stops at the first field that is not. Returns an error only for a
 * User-Agent not followed by a space: a quote inside it was not escaped, so the line is shifted.
 */
export function readTrailingFields(
  record: TrailingFields,
  line: string,
  pos: number,
  len: number,
): S3AccessLogLineError | undefined {
  if (pos >= len) return undefined;
  if (line.charCodeAt(pos) !== SPACE) {
    return fail(
      'User-Agent',
      'Field 17 (User-Agent) is not followed by a space: a quote inside it is not escaped.',
    );
  }
  let field = 17;
  while (pos < len && field < 27) {
    pos++;
    let end = line.indexOf(' ', pos);
    if (end === -1 || end > len) end = len;
    // An empty field (two spaces) or a quoted one is never a documented trailing field.
    if (end === pos) return undefined;
    const first = line.charCodeAt(pos);
    if (end - pos === 1 && first === DASH) {
      if (field === 25) record.acl_required = false;
    } else {
      if (first === QUOTE) return undefined;
      switch (field) {
        case 17:
          record.version_id = line.slice(pos, end);
          break;
        case 18:
          record.host_id = line.slice(pos, end);
          break;
        case 19:
          if (!has4(line, pos, 83, 105, 103, 86)) return undefined; // SigV
          record.signature_version = line.slice(pos, end);
          break;
        case 20:
          record.cipher_suite = line.slice(pos, end);
          break;
        case 21:
          // AuthHeader or QueryString
          if (!(end - pos === 10 && first === 65) && !(end - pos === 11 && first === 81)) return undefined;
          record.authentication_type = line.slice(pos, end);
          break;
        case 22:
          record.host_header = line.slice(pos, end);
          break;
        case 23:
          // TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 (S3's own example writes TLSV1.2)
          if (first !== 84 || line.charCodeAt(pos + 1) !== 76 || line.charCodeAt(pos + 2) !== 83)
            return undefined;
          record.tls_version = line.slice(pos, end);
          break;
        case 24:
          if (!has4(line, pos, 97, 114, 110, 58)) return undefined; // arn:
          record.access_point_arn = line.slice(pos, end);
          break;
        case 25:
          if (end - pos !== 3 || !has4(line, pos - 1, 32, 89, 101, 115)) return undefined; // Yes
          record.acl_required = true;
          break;
        default:
          if (!isRegion(line, pos, end)) return undefined;
          record.source_region = line.slice(pos, end);
      }
    }
    pos = end;
    field++;
  }
  return undefined;
}
