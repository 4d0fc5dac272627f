import type { ObjectRef } from './load-object';

/**
 * Reads the objects named by one SQS message body. Accepted shapes:
 * - an S3 event notification (`{ Records: [{ eventSource: 'aws:s3', s3: {...} }] }`), as sent by
 *   bucket notifications, the backfill command and the local platform (keys are URL-encoded);
 * - an EventBridge `Object Created` event from `aws.s3` (keys are not encoded);
 * - the `s3:TestEvent` S3 sends when a notification is configured: no objects.
 * Anything else throws: the message is poison and ends in the dead-letter queue.
 */
export function objectsFromMessage(body: string): ObjectRef[] {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    throw new Error(`SQS message body is not JSON: ${body.slice(0, 200)}`);
  }
  if (typeof message !== 'object' || message === null) {
    throw new Error(`SQS message body is not an object: ${body.slice(0, 200)}`);
  }
  const m = message as Record<string, unknown>;
  if (m.Event === 's3:TestEvent') return [];
  if (Array.isArray(m.Records)) {
    return m.Records.flatMap((record: unknown, i: number): ObjectRef[] => {
      const r = record as { eventSource?: string; eventName?: string; s3?: S3Entity };
      if (r?.eventSource !== 'aws:s3' || !r.s3?.bucket?.name || typeof r.s3.object?.key !== 'string') {
        throw new Error(
          `Records[${i}] of the SQS message is not an S3 event record: ${JSON.stringify(record).slice(0, 200)}`,
        );
      }
      if (!r.eventName?.startsWith('ObjectCreated:')) return [];
      return [
        {
          bucket: r.s3.bucket.name,
          key: decodeS3Key(r.s3.object.key),
          etag: r.s3.object.eTag || undefined,
        },
      ];
    });
  }
  if (m.source === 'aws.s3' && m['detail-type'] === 'Object Created') {
    const detail = m.detail as
      { bucket?: { name?: string }; object?: { key?: string; etag?: string } } | undefined;
    if (!detail?.bucket?.name || typeof detail.object?.key !== 'string') {
      throw new Error(`EventBridge Object Created event without bucket or key: ${body.slice(0, 200)}`);
    }
    return [{ bucket: detail.bucket.name, key: detail.object.key, etag: detail.object.etag || undefined }];
  }
  throw new Error(
    `SQS message is neither an S3 event notification nor an EventBridge Object Created event: ${body.slice(0, 200)}`,
  );
}

interface S3Entity {
  bucket?: { name?: string };
  object?: { key?: string; eTag?: string; size?: number };
}

/** S3 event notifications URL-encode keys, with `+` for spaces. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** Encodes a key the way S3 event notifications do. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** An S3 event notification body naming one object, in the shape S3 itself sends. */
export function s3NotificationBody(ref: {
  bucket: string;
  key: string;
  etag?: string;
  size?: number;
}): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: ref.bucket, arn: `arn:aws:s3:::${ref.bucket}` },
          object: { key: encodeS3Key(ref.key), eTag: ref.etag, size: ref.size },
        },
      },
    ],
  });
}
