import { describe, expect, it } from 'vitest';
import {
  DOCUMENTED_FIELD_COUNT,
  isLineError,
  parseS3AccessLogLine,
  REQUIRED_FIELD_COUNT,
  S3_ACCESS_LOG_FIELDS,
  s3TimeToIso,
  safeDecodeUriComponent,
  type S3AccessLogLineError,
  type S3AccessLogRecord,
} from '../../../lambda/loader/s3-access-log/parser';

const OWNER = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
const HOST_ID = 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=';

/** The first record of the example log in the AWS documentation (current format, every field). */
const AWS_EXAMPLE =
  `${OWNER} amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER} 3E57427F3EXAMPLE ` +
  'REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - ' +
  `${HOST_ID} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 ` +
  'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1';

/** A 2014 record from the AWS documentation: the format ended at Version Id. */
const AWS_2014_PUT =
  `${OWNER} mybucket [06/Feb/2014:00:01:57 +0000] 192.0.2.3 ${OWNER} DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf ` +
  '"PUT /mybucket/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" -';

function record(line: string): S3AccessLogRecord {
  const result = parseS3AccessLogLine(line);
  if (isLineError(result)) throw new Error(`expected a record, got: ${result.error}`);
  return result;
}

function error(line: string): S3AccessLogLineError {
  const result = parseS3AccessLogLine(line);
  if (!isLineError(result)) throw new Error(`expected an error, got a record for: ${line}`);
  return result;
}

/** Builds a current-format line from the AWS example, replacing the fields given (by 0-based index). */
function withFields(replace: Record<number, string>, base = AWS_EXAMPLE): string {
  const fields = splitFields(base);
  for (const [i, v] of Object.entries(replace)) fields[Number(i)] = v;
  return fields.join(' ');
}

/** Splits a valid line into its fields (bracketed and quoted fields kept whole). */
function splitFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    let end: number;
    if (line[i] === '[') end = line.indexOf(']', i) + 1;
    else if (line[i] === '"') {
      end = i + 1;
      while (!(line[end] === '"' && line[end - 1] !== '\\')) end++;
      end++;
    } else {
      end = line.indexOf(' ', i);
      if (end === -1) end = line.length;
    }
    out.push(line.slice(i, end));
    i = end + 1;
  }
  return out;
}

describe('parseS3AccessLogLine: each documented field of the current format', () => {
  const r = record(AWS_EXAMPLE);
  it.each([
    ['Bucket Owner', 'bucket_owner', OWNER],
    ['Bucket', 'bucket', 'amzn-s3-demo-bucket1'],
    ['Time', 'request_time', '2019-02-06T00:00:38Z'],
    ['Remote IP', 'remote_ip', '192.0.2.3'],
    ['Requester', 'requester', OWNER],
    ['Request ID', 'request_id', '3E57427F3EXAMPLE'],
    ['Operation', 'operation', 'REST.GET.VERSIONING'],
    ['Key', 'key', null],
    ['Request-URI', 'request_uri', 'GET /amzn-s3-demo-bucket1?versioning HTTP/1.1'],
    ['HTTP status', 'http_status', 200],
    ['Error Code', 'error_code', null],
    ['Bytes Sent', 'bytes_sent', 113],
    ['Object Size', 'object_size', null],
    ['Total Time', 'total_time', 7],
    ['Turn-Around Time', 'turn_around_time', null],
    ['Referer', 'referer', null],
    ['User-Agent', 'user_agent', 'S3Console/0.4'],
    ['Version Id', 'version_id', null],
    ['Host Id', 'host_id', HOST_ID],
    ['Signature Version', 'signature_version', 'SigV4'],
    ['Cipher Suite', 'cipher_suite', 'ECDHE-RSA-AES128-GCM-SHA256'],
    ['Authentication Type', 'authentication_type', 'AuthHeader'],
    ['Host Header', 'host_header', 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com'],
    ['TLS version', 'tls_version', 'TLSV1.2'],
    ['Access Point ARN', 'access_point_arn', 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP'],
    ['aclRequired', 'acl_required', true],
    ['Source Region', 'source_region', 'us-east-1'],
  ])('%s → %s', (field, column, expected) => {
    expect(S3_ACCESS_LOG_FIELDS.find((f) => f.field === field)?.column).toBe(column);
    expect(r[column as keyof S3AccessLogRecord]).toEqual(expected);
  });

  it('lists every documented field once, in log order', () => {
    expect(DOCUMENTED_FIELD_COUNT).toBe(27);
    expect(new Set(S3_ACCESS_LOG_FIELDS.map((f) => f.column)).size).toBe(27);
    expect(Object.keys(r)).toEqual([
      ...S3_ACCESS_LOG_FIELDS.slice(0, 8).map((f) => f.column),
      'key_decoded',
      ...S3_ACCESS_LOG_FIELDS.slice(8).map((f) => f.column),
    ]);
  });

  it('types a GET object record with a key, sizes and times', () => {
    const line = withFields({
      6: 'REST.GET.OBJECT',
      7: 'photos/2019/08/puppy.jpg',
      8: '"GET /amzn-s3-demo-bucket1/photos/2019/08/puppy.jpg?x-foo=bar HTTP/1.1"',
      11: '2662992',
      12: '3462992',
      13: '70',
      14: '10',
      15: '"http://www.example.com/webservices"',
      16: '"curl/7.15.1"',
      17: '3HL4kqtJvjVBH40Nrjfkd',
    });
    const got = record(line);
    expect(got).toMatchObject({
      operation: 'REST.GET.OBJECT',
      key: 'photos/2019/08/puppy.jpg',
      key_decoded: 'photos/2019/08/puppy.jpg',
      request_uri: 'GET /amzn-s3-demo-bucket1/photos/2019/08/puppy.jpg?x-foo=bar HTTP/1.1',
      bytes_sent: 2662992,
      object_size: 3462992,
      total_time: 70,
      turn_around_time: 10,
      referer: 'http://www.example.com/webservices',
      user_agent: 'curl/7.15.1',
      version_id: '3HL4kqtJvjVBH40Nrjfkd',
    });
  });

  it('reads error codes and 4xx/5xx statuses', () => {
    expect(record(withFields({ 9: '404', 10: 'NoSuchBucketPolicy' }))).toMatchObject({
      http_status: 404,
      error_code: 'NoSuchBucketPolicy',
    });
    expect(record(withFields({ 9: '503', 10: 'SlowDown' })).http_status).toBe(503);
  });

  it('reads aclRequired: Yes is true, - is false', () => {
    expect(record(withFields({ 25: 'Yes' })).acl_required).toBe(true);
    expect(record(withFields({ 25: '-' })).acl_required).toBe(false);
  });

  it('reads IPv6 addresses and IAM requesters', () => {
    expect(
      record(withFields({ 3: '2001:db8::8a2e:370:7334', 4: 'arn:aws:iam::123456789012:user/alice' })),
    ).toMatchObject({
      remote_ip: '2001:db8::8a2e:370:7334',
      requester: 'arn:aws:iam::123456789012:user/alice',
    });
  });

  it('keeps integers beyond 32 bits exact', () => {
    expect(record(withFields({ 11: '5368709120', 12: '5368709120' })).object_size).toBe(5368709120);
  });
});

describe('parseS3AccessLogLine: vintages', () => {
  it('parses a 2014 record that ends at Version Id; later fields are null', () => {
    const r = record(AWS_2014_PUT);
    expect(r).toMatchObject({
      bucket: 'mybucket',
      request_time: '2014-02-06T00:01:57Z',
      operation: 'REST.PUT.OBJECT',
      key: 's3-dg.pdf',
      http_status: 200,
      bytes_sent: null,
      object_size: 4406583,
      total_time: 41754,
      turn_around_time: 28,
      version_id: null,
      host_id: null,
      signature_version: null,
      tls_version: null,
      access_point_arn: null,
      acl_required: null,
      source_region: null,
    });
  });

  it(`parses a record of only the ${REQUIRED_FIELD_COUNT} required fields (no Version Id)`, () => {
    const line = AWS_2014_PUT.slice(0, -2);
    expect(record(line)).toMatchObject({ user_agent: 'S3Console/0.4', version_id: null, host_id: null });
  });

  it.each([
    [18, 'Host Id', 'host_id'],
    [19, 'Signature Version', 'signature_version'],
    [20, 'Cipher Suite', 'cipher_suite'],
    [21, 'Authentication Type', 'authentication_type'],
    [22, 'Host Header', 'host_header'],
    [23, 'TLS version', 'tls_version'],
    [24, 'Access Point ARN', 'access_point_arn'],
    [25, 'aclRequired', 'acl_required'],
    [26, 'Source Region', 'source_region'],
  ])('parses a record ending after field %i (%s); %s and later are null', (count, _field, column) => {
    const line = splitFields(AWS_EXAMPLE).slice(0, count).join(' ');
    const r = record(line);
    const index = S3_ACCESS_LOG_FIELDS.findIndex((f) => f.column === column);
    for (const f of S3_ACCESS_LOG_FIELDS.slice(index)) expect(r[f.column], f.column).toBeNull();
    expect(r.user_agent).toBe('S3Console/0.4');
  });

  it('ignores unknown fields after the last documented one, quoted or not', () => {
    const r = record(`${AWS_EXAMPLE} new-field "a quoted future field" 42`);
    expect(r.source_region).toBe('us-east-1');
    expect(r.acl_required).toBe(true);
  });
});

describe('parseS3AccessLogLine: quoted fields, keys, dashes', () => {
  it('keeps spaces inside quoted fields', () => {
    const r = record(
      withFields({
        15: '"https://example.com/search?q=a b c"',
        16: '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"',
      }),
    );
    expect(r.referer).toBe('https://example.com/search?q=a b c');
    expect(r.user_agent).toBe(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)',
    );
  });

  it('unescapes \\" and \\\\ in quoted fields; other backslashes stay', () => {
    const r = record(withFields({ 16: '"agent \\"quoted\\" back\\\\slash \\x41"' }));
    expect(r.user_agent).toBe('agent "quoted" back\\slash \\x41');
  });

  it('reads a quote followed by a non-space as part of the value', () => {
    expect(record(withFields({ 16: '"say "hi"there"' })).user_agent).toBe('say "hi"there');
  });

  it('stores the key raw and decoded', () => {
    const r = record(withFields({ 6: 'REST.GET.OBJECT', 7: 'docs/user%20guide%E2%82%AC%2B1.pdf' }));
    expect(r.key).toBe('docs/user%20guide%E2%82%AC%2B1.pdf');
    expect(r.key_decoded).toBe('docs/user guide€+1.pdf');
  });

  it('decodes keys with invalid escapes without throwing, keeping what cannot be decoded', () => {
    expect(record(withFields({ 7: 'a%ZZb%20c' })).key_decoded).toBe('a%ZZb c');
    expect(record(withFields({ 7: 'bad%E2%82utf8%41' })).key_decoded).toBe('bad%E2%82utf8A');
    expect(safeDecodeUriComponent('%')).toBe('%');
    expect(safeDecodeUriComponent('%C3%A9t%C3%A9')).toBe('été');
  });

  it('reads - as null in every field that may be empty', () => {
    const dashes = Array.from({ length: 17 }, () => '-').join(' ');
    const line = `- b [08/Mar/2024:09:00:05 +0000] - - REQ1 REST.GET.OBJECT - - - - ${dashes}`;
    const r = record(line);
    const notNull = new Set(['bucket', 'request_time', 'request_id', 'operation', 'acl_required']);
    for (const [column, value] of Object.entries(r)) {
      if (!notNull.has(column)) expect(value, column).toBeNull();
    }
    expect(r.acl_required).toBe(false);
  });

  it('reads "-" (quoted dash) in Request-URI, Referer and User-Agent as null', () => {
    const r = record(withFields({ 8: '"-"', 15: '"-"', 16: '"-"' }));
    expect([r.request_uri, r.referer, r.user_agent]).toEqual([null, null, null]);
  });

  it('converts a non-UTC offset to UTC', () => {
    expect(s3TimeToIso('06/Feb/2019:00:30:38 +0130', 0)).toBe('2019-02-05T23:00:38Z');
    expect(s3TimeToIso('31/Dec/2019:23:30:00 -0100', 0)).toBe('2020-01-01T00:30:00Z');
    expect(s3TimeToIso('29/Feb/2024:12:00:00 +0000', 0)).toBe('2024-02-29T12:00:00Z');
  });

  it('ignores CR and trailing blanks', () => {
    expect(record(`${AWS_EXAMPLE}\r`).source_region).toBe('us-east-1');
    expect(record(`${AWS_2014_PUT}  \t`).version_id).toBeNull();
  });
});

describe('parseS3AccessLogLine: malformed and truncated lines', () => {
  it.each([
    ['an empty line', '', '(line)', /empty/],
    ['a line of blanks', '  \r', '(line)', /empty/],
    ['one word', 'hello', 'Bucket', /ends after 1 field/],
    ['a bad month', withFields({ 2: '[06/Foo/2019:00:00:38 +0000]' }), 'Time', /not a valid date/],
    ['an impossible date', withFields({ 2: '[30/Feb/2019:00:00:38 +0000]' }), 'Time', /not a valid date/],
    [
      'a 29 February outside leap years',
      withFields({ 2: '[29/Feb/2023:00:00:38 +0000]' }),
      'Time',
      /not a valid date/,
    ],
    ['an hour of 24', withFields({ 2: '[06/Feb/2019:24:00:38 +0000]' }), 'Time', /not a valid date/],
    ['an ISO time', withFields({ 2: '[2019-02-06T00:00:38Z]' }), 'Time', /expected \[dd\/Mon/],
    ['a missing bracket', withFields({ 2: '06/Feb/2019:00:00:38 +0000' }), 'Time', /expected \[dd\/Mon/],
    ['a dash bucket', withFields({ 1: '-' }), 'Bucket', /every record names its bucket/],
    ['a dash request ID', withFields({ 5: '-' }), 'Request ID', /request ID/],
    ['an operation without a dot', withFields({ 6: 'GETOBJECT' }), 'Operation', /REST.HTTP_method/],
    ['a quoted key', withFields({ 7: '"a b"' }), 'Key', /never quoted/],
    ['an unquoted Request-URI', withFields({ 8: 'GET' }), 'Request-URI', /quoted/],
    ['a text status', withFields({ 9: 'abc' }), 'HTTP status', /"abc".*100 to 599/],
    ['a status out of range', withFields({ 9: '999' }), 'HTTP status', /100 to 599/],
    ['a status with letters', withFields({ 9: '20x' }), 'HTTP status', /"20x"/],
    ['negative bytes', withFields({ 11: '-5' }), 'Bytes Sent', /"-5".*number of bytes/],
    ['a decimal object size', withFields({ 12: '1.5' }), 'Object Size', /"1.5"/],
    ['text total time', withFields({ 13: 'fast' }), 'Total Time', /milliseconds/],
    ['text turn-around time', withFields({ 14: 'x' }), 'Turn-Around Time', /milliseconds/],
    ['an unquoted referer', withFields({ 15: 'http://x' }), 'Referer', /quoted value or -/],
    ['an unquoted user agent', withFields({ 16: 'curl/8' }), 'User-Agent', /quoted value or -/],
    ['two spaces between fields', AWS_EXAMPLE.replace(' 192.0.2.3', '  192.0.2.3'), 'Remote IP', /empty/],
  ])('rejects %s, naming the field', (_what, line, field, message) => {
    const e = error(line);
    expect(e.field).toBe(field);
    expect(e.error).toMatch(message);
  });

  it('rejects a line truncated inside a quoted field', () => {
    const cut = AWS_EXAMPLE.slice(0, AWS_EXAMPLE.indexOf('S3Console') + 4);
    const e = error(cut);
    expect(e.field).toBe('User-Agent');
    expect(e.error).toMatch(/closing quote is missing/);
  });

  it('rejects a line truncated at every field boundary before User-Agent, naming the missing field', () => {
    const fields = splitFields(AWS_EXAMPLE);
    for (let n = 1; n < REQUIRED_FIELD_COUNT; n++) {
      const e = error(fields.slice(0, n).join(' '));
      expect(e.field, `after ${n} fields`).toBe(S3_ACCESS_LOG_FIELDS[n].field);
      expect(e.error).toMatch(new RegExp(`ends after ${n} field`));
    }
  });

  it('quotes at most 80 characters of a bad value', () => {
    const e = error(withFields({ 9: '9'.repeat(500) }));
    expect(e.error.length).toBeLessThan(300);
  });
});

describe('safeDecodeUriComponent', () => {
  it.each([
    ['plain', 'plain'],
    ['a%20b%28c%29', 'a b(c)'],
    ['%2Fa%2fb', '/a/b'],
    ['caf%C3%A9%20%E2%82%AC', 'café €'],
    ['100%', '100%'],
    ['50%25off', '50%off'],
    ['%G1%20x', '%G1 x'],
    ['%%20', '% '],
    ['x%2', 'x%2'],
    ['%E2%82', '%E2%82'],
    ['%E2%82%20a', '%E2%82 a'],
    ['%F0%9F%98%80', '😀'],
    ['a%00b', 'a%00b'],
    ['%C3%A9%00', 'é%00'],
  ])('%s → %s, as decodeURIComponent where it succeeds', (input, expected) => {
    expect(safeDecodeUriComponent(input)).toBe(expected);
  });
});

describe('NUL characters, which Postgres text cannot store', () => {
  it('keeps %00 encoded in the decoded key, so the row still loads', () => {
    const parsed = record(withFields({ 7: 'photos/a%00b.jpg' }));
    expect(parsed.key).toBe('photos/a%00b.jpg');
    expect(parsed.key_decoded).toBe('photos/a%00b.jpg');
  });

  it('rejects a line with a raw NUL with a reason, instead of failing the whole object', () => {
    expect(error(AWS_EXAMPLE.replace('S3Console', 'S3\u0000Console')).error).toMatch(/NUL character/);
  });
});

/** A record of the public panther-labs fixture: the documented fields, then two unknown ones. */
const PANTHER_EXTRA_FIELDS =
  `${OWNER} awsexamplebucket [06/Feb/2019:00:00:38 +0000] 192.0.2.3 ${OWNER} DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf ` +
  '"PUT /awsexamplebucket/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" - ' +
  '10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA ' +
  'AuthHeader awsexamplebucket.s3.amazonaws.com TLSV1.1 test1 test2';

describe('parseS3AccessLogLine: unknown or implausible trailing fields never lose the record', () => {
  it('keeps a record whose documented fields are followed by unknown ones (TLSV1.1 test1 test2)', () => {
    expect(record(PANTHER_EXTRA_FIELDS)).toMatchObject({
      key: 's3-dg.pdf',
      object_size: 4406583,
      host_header: 'awsexamplebucket.s3.amazonaws.com',
      tls_version: 'TLSV1.1',
      access_point_arn: null,
      acl_required: null,
      source_region: null,
    });
  });

  it.each([
    ['an aclRequired that is not Yes or -', withFields({ 25: 'No' }), 'acl_required'],
    ['two spaces in the trailing fields', AWS_EXAMPLE.replace(' SigV4', '  SigV4'), 'signature_version'],
    ['a quoted trailing field', withFields({ 17: '"v1"' }), 'version_id'],
    ['a signature version that is not SigV*', withFields({ 19: 'AuthHeader' }), 'signature_version'],
    ['an access point that is not an ARN', withFields({ 24: 'us-east-1' }), 'access_point_arn'],
    ['a region that is not a region', withFields({ 26: 'Yes' }), 'source_region'],
  ])('keeps the record with %s: that field and the ones after it are null', (_what, line, column) => {
    const r = record(line);
    expect(r.user_agent).toBe('S3Console/0.4');
    const index = S3_ACCESS_LOG_FIELDS.findIndex((f) => f.column === column);
    for (const f of S3_ACCESS_LOG_FIELDS.slice(index)) expect(r[f.column], f.column).toBeNull();
    for (const f of S3_ACCESS_LOG_FIELDS.slice(REQUIRED_FIELD_COUNT + 1, index)) {
      expect(r[f.column], f.column).not.toBeNull();
    }
  });

  it('still reads every documented trailing field when they are plausible', () => {
    expect(record(AWS_EXAMPLE)).toMatchObject({
      signature_version: 'SigV4',
      authentication_type: 'AuthHeader',
      tls_version: 'TLSV1.2',
      access_point_arn: 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP',
      acl_required: true,
      source_region: 'us-east-1',
    });
  });
});

describe('parseS3AccessLogLine: keys as each operation encodes them', () => {
  it('decodes + as a space in the keys of multi-object deletes (BATCH.DELETE.OBJECT), keeping the raw key', () => {
    const r = record(
      withFields({
        6: 'BATCH.DELETE.OBJECT',
        7: 'Screen+Shot+2019-09-09+at+9.08.44+AM.png',
        8: '"POST /amzn-s3-demo-bucket1?delete HTTP/1.1"',
      }),
    );
    expect(r.key).toBe('Screen+Shot+2019-09-09+at+9.08.44+AM.png');
    expect(r.key_decoded).toBe('Screen Shot 2019-09-09 at 9.08.44 AM.png');
    expect(record(withFields({ 6: 'BATCH.DELETE.OBJECT', 7: 'a%2Bb+c%20d' })).key_decoded).toBe('a+b c d');
  });

  it('keeps + literal in keys taken from the request path (REST and WEBSITE operations)', () => {
    expect(record(withFields({ 6: 'REST.GET.OBJECT', 7: 'c%2B%2B/a+b.txt' })).key_decoded).toBe(
      'c++/a+b.txt',
    );
    expect(record(withFields({ 6: 'WEBSITE.GET.OBJECT', 7: 'a+b.html' })).key_decoded).toBe('a+b.html');
  });
});
