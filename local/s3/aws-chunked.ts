import type * as http from 'node:http';
import { S3Error } from './store';

/**
 * Streaming uploads (`Content-Encoding: aws-chunked`, `x-amz-content-sha256: STREAMING-...`) wrap
 * the bytes in chunks, each `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n`, ended by a zero-size
 * chunk and optional trailing checksums. The SDK sends them with its default checksums
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html).
 */
export function isAwsChunked(req: http.IncomingMessage): boolean {
  return (
    String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
  );
}

/** The payload of an aws-chunked body. */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) throw new S3Error(400, 'IncompleteBody', 'Malformed aws-chunked body.');
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1').split(';')[0], 16);
    if (Number.isNaN(size)) throw new S3Error(400, 'IncompleteBody', 'Malformed aws-chunked chunk size.');
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size > body.length) throw new S3Error(400, 'IncompleteBody', 'Truncated aws-chunked body.');
    parts.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  return Buffer.concat(parts);
}
