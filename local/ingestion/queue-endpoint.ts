import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { readBody } from '../http';
import { refuseForeignRequest } from '../request-guard';

/**
 * A small SQS-compatible endpoint (AWS JSON protocol: SendMessage and SendMessageBatch) in front of
 * the local loader queue, so `npm run backfill` works unchanged against the local platform.
 * Requests are `Content-Type: application/x-amz-json-1.0` with `X-Amz-Target: AmazonSQS.<operation>`
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html).
 */

const CONTENT_TYPE = 'application/x-amz-json-1.0';

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE }).end(JSON.stringify(body));
}

export function queueEndpoint(enqueue: (body: string) => string): http.Server {
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  return http.createServer((req, res) => {
    void (async () => {
      const refusal = refuseForeignRequest(req, { contentTypes: [CONTENT_TYPE] });
      if (refusal) {
        answer(res, refusal.status, { __type: 'com.amazonaws.sqs#AccessDenied', message: refusal.message });
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse((await readBody(req, 1024 * 1024)).toString('utf8') || '{}') as {
        MessageBody?: string;
        Entries?: { Id: string; MessageBody: string }[];
      };
      if (target === 'AmazonSQS.SendMessage' && input.MessageBody) {
        answer(res, 200, { MessageId: enqueue(input.MessageBody), MD5OfMessageBody: md5(input.MessageBody) });
      } else if (target === 'AmazonSQS.SendMessageBatch' && input.Entries) {
        answer(res, 200, {
          Successful: input.Entries.map((e) => ({
            Id: e.Id,
            MessageId: enqueue(e.MessageBody),
            MD5OfMessageBody: md5(e.MessageBody),
          })),
          Failed: [],
        });
      } else {
        answer(res, 400, {
          __type: 'com.amazonaws.sqs#UnsupportedOperation',
          message: `${target} is not supported locally.`,
        });
      }
    })().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      answer(res, 400, {
        __type: 'com.amazonaws.sqs#InvalidMessageContents',
        message: (err as Error).message,
      });
    });
  });
}
