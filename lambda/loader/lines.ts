import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

/** Bytes an object body yields: a Node stream, a web stream or any async iterable of chunks. */
export type ByteSource = AsyncIterable<Uint8Array>;

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Yields the chunks of `body`, decompressed when it starts with the gzip magic bytes (so
 * `.ndjson.gz` objects and plain log files go through the same path). Streams: memory stays
 * bounded by the chunk size whatever the object size.
 */
export async function* decodedChunks(body: ByteSource): AsyncIterable<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  // Gather at least the two magic bytes (a stream may hand them over one at a time).
  let head: Uint8Array = new Uint8Array(0);
  while (head.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  if (head.length === 0) return;
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
  };
  async function* all(): AsyncIterable<Uint8Array> {
    yield head;
    yield* rest;
  }
  if (head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    const out = new PassThrough();
    const done = pipeline(Readable.from(all()), createGunzip(), out);
    // The pipeline's rejection is re-thrown by the iteration over `out` (it is destroyed with it).
    done.catch(() => undefined);
    for await (const chunk of out) yield chunk as Buffer;
    await done;
  } else {
    yield* all();
  }
}

/** Splits a byte stream into UTF-8 lines without their terminators (`\n` or `\r\n`). */
export async function* splitLines(chunks: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    let start = 0;
    let newline = pending.indexOf('\n', start);
    while (newline !== -1) {
      const end = newline > start && pending.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      yield pending.slice(start, end);
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  if (pending.length > 0) yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
}
