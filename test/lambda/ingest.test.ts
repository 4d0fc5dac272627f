import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingest, IngestError, INGEST_LIMITS } from '../../lambda/ingest/ingest';
import type { ObjectWriter } from '../../lambda/shared/s3';

/** An in-memory lake: the ingest domain only needs `putObject`. */
function memoryLake() {
  const objects = new Map<string, Buffer>();
  const writer: ObjectWriter = {
    async putObject(bucket, key, body) {
      objects.set(`${bucket}/${key}`, Buffer.from(body));
    },
  };
  return { objects, writer };
}

const NOW = new Date('2024-06-01T10:00:00Z');

function usageRecord(i: number): Record<string, unknown> {
  return {
    person_name: `Person ${i % 37}`,
    birth_date: '1985-03-14',
    accessed_at: new Date(Date.UTC(2024, 4, 31, 12, 0, i)).toISOString(),
    session_duration: 60 + i,
    download_speed: 50.5,
    upload_speed: 10,
    consumed_traffic: 123.4,
  };
}

async function send(
  body: string | Buffer,
  headers: { contentType?: string; contentEncoding?: string } = {},
  dataset = 'usage',
) {
  const lake = memoryLake();
  const response = await ingest(
    { writer: lake.writer, bucket: 'lake', now: () => NOW },
    { datasetName: dataset, body: typeof body === 'string' ? Buffer.from(body) : body, ...headers },
  );
  return { response, lake };
}

async function sendError(
  body: string | Buffer,
  headers: { contentType?: string; contentEncoding?: string } = {},
  dataset = 'usage',
) {
  try {
    await send(body, headers, dataset);
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError);
    return err as IngestError;
  }
  throw new Error('expected the request to be refused');
}

const readNdjson = (gz: Buffer) =>
  gunzipSync(gz)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ingest', () => {
  it('accepts 990 and rejects 10 of 1,000 records, with a reason for each rejection', async () => {
    const records = Array.from({ length: 1000 }, (_, i) =>
      i % 100 === 7 ? { ...usageRecord(i), session_duration: 'an hour' } : usageRecord(i),
    );
    const { response, lake } = await send(JSON.stringify(records), { contentType: 'application/json' });
    expect(response).toMatchObject({ dataset: 'usage', received: 1000, accepted: 990, rejected: 10 });
    expect(response.results).toHaveLength(1000);
    const rejected = response.results.filter((r) => r.status === 'rejected');
    expect(rejected.map((r) => r.index)).toEqual([7, 107, 207, 307, 407, 507, 607, 707, 807, 907]);
    const first = rejected[0];
    expect(first.status === 'rejected' && first.errors[0]).toMatchObject({
      field: 'session_duration',
      expected: '32-bit integer from 0 to 604800',
      value: '"an hour"',
    });
    expect(response.objectKey).toMatch(/^raw\/usage\/dt=2024-05-31\/[0-9a-f]{64}\.ndjson\.gz$/);
    expect(readNdjson(lake.objects.get(`lake/${response.objectKey}`)!)).toHaveLength(990);
    // Rejected records are kept with their reasons.
    expect(response.rejectedObjectKey).toMatch(/^rejected\/usage\/dt=2024-06-01\/[0-9a-f]{64}\.ndjson\.gz$/);
    const kept = readNdjson(lake.objects.get(`lake/${response.rejectedObjectKey}`)!);
    expect(kept).toHaveLength(10);
    expect(kept[0]).toMatchObject({ index: 7, record: { session_duration: 'an hour' } });
  });

  it('writes the same key and bytes for the same batch, whatever the day and the encoding', async () => {
    const records = Array.from({ length: 50 }, (_, i) => usageRecord(i));
    const asArray = await send(JSON.stringify(records), { contentType: 'application/json' });
    const asNdjson = await send(records.map((r) => JSON.stringify(r)).join('\n'), {
      contentType: 'application/x-ndjson',
    });
    const gzipped = await send(gzipSync(JSON.stringify(records)), { contentEncoding: 'gzip' });
    const keys = [asArray, asNdjson, gzipped].map((s) => s.response.objectKey);
    expect(new Set(keys).size).toBe(1);
    const bodies = [asArray, asNdjson, gzipped].map((s) =>
      s.lake.objects.get(`lake/${s.response.objectKey}`)!,
    );
    expect(bodies[1].equals(bodies[0]) && bodies[2].equals(bodies[0])).toBe(true);
  });

  it('normalises records before hashing, so equivalent timestamps give the same key', async () => {
    const a = await send(JSON.stringify([{ ...usageRecord(1), accessed_at: '2024-05-31T14:00:01+02:00' }]));
    const b = await send(JSON.stringify([{ ...usageRecord(1), accessed_at: '2024-05-31T12:00:01.000Z' }]));
    expect(a.response.objectKey).toBe(b.response.objectKey);
  });

  it('accepts NDJSON with blank lines and CRLF line ends', async () => {
    const body = `${JSON.stringify(usageRecord(1))}\r\n\r\n${JSON.stringify(usageRecord(2))}\r\n`;
    const { response } = await send(body, { contentType: 'application/x-ndjson' });
    expect(response.accepted).toBe(2);
  });

  it('writes nothing to raw/ when every record is rejected', async () => {
    const { response, lake } = await send(JSON.stringify([{ nope: 1 }]));
    expect(response.accepted).toBe(0);
    expect(response.objectKey).toBeUndefined();
    expect([...lake.objects.keys()].every((k) => k.startsWith('lake/rejected/'))).toBe(true);
  });

  describe('refuses with a precise 4xx', () => {
    it('an empty body', async () => {
      for (const body of ['', '   \n', '[]']) {
        const err = await sendError(body);
        expect([err.statusCode, err.code]).toEqual([400, 'EmptyBody']);
      }
    });

    it('malformed JSON, naming the NDJSON line', async () => {
      const array = await sendError('[{"person_name": "x",]', { contentType: 'application/json' });
      expect([array.statusCode, array.code]).toEqual([400, 'MalformedJson']);
      const ndjson = await sendError(`${JSON.stringify(usageRecord(1))}\n{"oops"\n`, {
        contentType: 'application/x-ndjson',
      });
      expect(ndjson.message).toContain('line 2');
    });

    it('a JSON body that is not an array', async () => {
      const err = await sendError(JSON.stringify(usageRecord(1)), { contentType: 'application/json' });
      expect(err.code).toBe('NotAnArray');
    });

    it('an unknown dataset, listing the known ones', async () => {
      const err = await sendError('[]', {}, 'clicks');
      expect(err.statusCode).toBe(404);
      expect(err.message).toContain('Unknown dataset "clicks"');
      expect(err.details?.knownDatasets).toEqual(expect.arrayContaining(['usage', 'trades', 'samples']));
    });

    it('a dataset that is not fed through the ingest endpoint', async () => {
      const err = await sendError('[]', {}, 's3_access_logs');
      expect(err.statusCode).toBe(404);
      expect(err.details?.knownDatasets).not.toContain('s3_access_logs');
    });

    it('an oversized body (decompressed size), naming the limits', async () => {
      const big = gzipSync(Buffer.alloc(INGEST_LIMITS.maxDecompressedBytes + 10, 0x20));
      const err = await sendError(big, { contentEncoding: 'gzip' });
      expect(err.statusCode).toBe(413);
      expect(err.message).toContain('20 MB decompressed');
      expect(err.message).toContain(`${INGEST_LIMITS.maxRecords} records`);
    });

    it('too many records', async () => {
      const err = await sendError(
        JSON.stringify(Array.from({ length: INGEST_LIMITS.maxRecords + 1 }, () => ({}))),
      );
      expect(err.statusCode).toBe(413);
    });

    it('a body that claims gzip but is not', async () => {
      const err = await sendError('not gzip', { contentEncoding: 'gzip' });
      expect([err.statusCode, err.code]).toEqual([400, 'InvalidGzip']);
    });

    it('an unsupported content encoding', async () => {
      const err = await sendError('[]', { contentEncoding: 'br' });
      expect(err.statusCode).toBe(415);
    });
  });
});

describe('accepts only what Postgres can store', () => {
  const samplesRecord = {
    sample_id: '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    sampled_at: '2024-05-31T12:00:00Z',
    walk: 1.5,
    normal: 100,
    category: 'alpha',
    flag: true,
    attributes: { ok: 'yes' },
  };

  async function rejection(record: Record<string, unknown>, dataset = 'usage') {
    // A raw JSON body, so escapes such as \udc00 and 1E400 reach the parser as written.
    const body = `[${JSON.stringify(record).replace(/"__RAW__(.*?)__RAW__"/g, (_m, raw: string) => JSON.parse(`"${raw}"`) as string)}]`;
    const { response } = await send(body, { contentType: 'application/json' }, dataset);
    expect(response.accepted, `expected the record to be rejected: ${body.slice(0, 200)}`).toBe(0);
    const result = response.results[0];
    if (result.status !== 'rejected') throw new Error('not rejected');
    return result.errors;
  }

  it('rejects a lone UTF-16 surrogate in a text field, naming it', async () => {
    const [error] = await rejection({ ...usageRecord(1), person_name: '__RAW__"Ada \\udc00"__RAW__' });
    expect(error.field).toBe('person_name');
    expect(error.message).toMatch(/lone UTF-16 surrogate/);
  });

  it('rejects a lone surrogate and a NUL anywhere inside a json value, keys included', async () => {
    for (const attributes of [
      '__RAW__{"a": ["x", "\\ud800"]}__RAW__',
      '__RAW__{"\\udfff": 1}__RAW__',
      '__RAW__{"a": "nul \\u0000 here"}__RAW__',
    ]) {
      const [error] = await rejection({ ...samplesRecord, attributes }, 'samples');
      expect(error.field).toBe('attributes');
      expect(error.message).toMatch(/lone UTF-16 surrogate|NUL character/);
    }
  });

  it('names a number out of range (1E400) instead of showing it as null', async () => {
    const [error] = await rejection({ ...usageRecord(1), download_speed: '__RAW__1E400__RAW__' });
    expect(error.field).toBe('download_speed');
    expect(error.value).not.toBe('null');
    expect(error.message).toMatch(/too large/);
    const [inJson] = await rejection(
      { ...samplesRecord, attributes: '__RAW__{"big": -1E400}__RAW__' },
      'samples',
    );
    expect(inJson.message).toMatch(/too large/);
  });

  it('rejects a json value nested deeper than the limit, naming the limit', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const [error] = await rejection({ ...samplesRecord, attributes: `__RAW__${deep}__RAW__` }, 'samples');
    expect(error.field).toBe('attributes');
    expect(error.message).toMatch(/nested more than \d+ levels/);
  });

  it('accepts surrogate pairs, emoji and escapes that Postgres stores', async () => {
    const { response } = await send(
      `[${JSON.stringify({ ...usageRecord(1), person_name: 'Zoë 😀 \\"q\\" \\u00e9' })}]`,
      { contentType: 'application/json' },
    );
    expect(response.accepted).toBe(1);
  });
});

describe('deeply nested JSON', () => {
  it('rejects a record nested far deeper than any record could be, naming the nesting (4xx, never a 500)', async () => {
    const body = `[${'['.repeat(200_000)}${']'.repeat(200_000)}]`;
    const { response } = await send(body, { contentType: 'application/json' });
    expect(response.accepted).toBe(0);
    const [result] = response.results;
    expect(result.status === 'rejected' && result.errors[0].message).toMatch(/nested more than \d+ levels/);
  });

  it('keeps the good NDJSON records beside one nested too deep', async () => {
    const body = `${JSON.stringify(usageRecord(1))}\n${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    const { response } = await send(body, { contentType: 'application/x-ndjson' });
    expect([response.accepted, response.rejected]).toEqual([1, 1]);
    const rejected = response.results[1];
    expect(rejected.status === 'rejected' && rejected.errors[0].message).toMatch(
      /nested more than \d+ levels/,
    );
  });
});

describe('content types', () => {
  const records = [usageRecord(1), usageRecord(2)];
  const array = JSON.stringify(records);
  const ndjson = records.map((r) => JSON.stringify(r)).join('\n');

  it.each([
    'image/png',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ])('refuses %s with 415, naming the accepted types', async (contentType) => {
    const err = await sendError(array, { contentType });
    expect(err.statusCode).toBe(415);
    expect(err.message).toContain('application/json');
    expect(err.message).toContain('application/x-ndjson');
  });

  it('refuses a charset other than UTF-8 with 415', async () => {
    const err = await sendError(array, { contentType: 'application/json; charset=iso-8859-1' });
    expect(err.statusCode).toBe(415);
  });

  it.each([
    ['application/json', array],
    ['application/json; charset=utf-8', array],
    ['application/x-ndjson', ndjson],
    ['application/ndjson', ndjson],
    ['APPLICATION/X-NDJSON; charset="UTF-8"', ndjson],
  ])('accepts %s', async (contentType, body) => {
    const { response } = await send(body, { contentType });
    expect(response.accepted).toBe(2);
  });

  it('accepts gzip, as Content-Encoding or as the application/gzip type', async () => {
    expect(
      (await send(gzipSync(ndjson), { contentType: 'application/x-ndjson', contentEncoding: 'gzip' }))
        .response.accepted,
    ).toBe(2);
    expect((await send(gzipSync(array), { contentType: 'application/gzip' })).response.accepted).toBe(2);
  });

  it('handles a UTF-8 byte order mark the same way for an array and for NDJSON', async () => {
    const bom = '\ufeff';
    const asArray = await send(bom + array, { contentType: 'application/json' });
    const asNdjson = await send(bom + ndjson, { contentType: 'application/x-ndjson' });
    expect(asArray.response.accepted).toBe(2);
    expect(asNdjson.response.accepted).toBe(2);
    expect(asArray.response.objectKey).toBe(asNdjson.response.objectKey);
  });
});

describe('a lake that cannot be written', () => {
  it('is a StorageError naming the object, so the handler can answer "retry"', async () => {
    const writer: ObjectWriter = {
      async putObject() {
        throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
          name: 'InternalError',
        });
      },
    };
    await expect(
      ingest(
        { writer, bucket: 'lake', now: () => NOW },
        { datasetName: 'usage', body: Buffer.from(JSON.stringify([usageRecord(1)])) },
      ),
    ).rejects.toMatchObject({ name: 'StorageError', objectKey: expect.stringMatching(/^raw\/usage\//) });
  });
});
