import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

/**
 * Small S3 adapters the functions share. The client honours the SDK's standard endpoint setting
 * (`AWS_ENDPOINT_URL_S3`), which is how the local platform points it at its S3 stand-in.
 */

/** Writes objects; the ingest function's only need. */
export interface ObjectWriter {
  putObject(bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void>;
}

/** Reads objects as streams; `undefined` for a missing object. */
export interface ObjectStreamReader {
  getObjectStream(
    bucket: string,
    key: string,
  ): Promise<{ body: AsyncIterable<Uint8Array>; etag: string; lastModified?: Date } | undefined>;
}

/** An S3 client; path-style addressing when a custom endpoint is configured (stand-ins, MinIO). */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  const customEndpoint = Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL);
  return new S3Client({ forcePathStyle: customEndpoint });
}

export function s3ObjectWriter(client: S3Client): ObjectWriter {
  return {
    async putObject(bucket, key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
    },
  };
}

export function s3ObjectReader(client: S3Client): ObjectStreamReader {
  return {
    async getObjectStream(bucket, key) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!response.Body) throw new Error(`GetObject s3://${bucket}/${key} returned no body.`);
        // LastModified: when the object was last written; it orders the versions of a record.
        // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_ResponseSyntax
        return {
          body: response.Body as Readable,
          etag: response.ETag ?? '',
          lastModified: response.LastModified,
        };
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
  };
}
