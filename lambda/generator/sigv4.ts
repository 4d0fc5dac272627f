import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape `SignatureV4` expects, over node:crypto. */
type Bytes = string | ArrayBuffer | ArrayBufferView;
const toBuffer = (data: Bytes): string | Buffer =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: Bytes) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Bytes): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.create();
  }
}

/** The region of a Lambda Function URL (`https://<id>.lambda-url.<region>.on.aws/`). */
export function regionOfFunctionUrl(url: URL): string | undefined {
  return /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname)?.[1];
}

export interface PostResult {
  readonly status: number;
  readonly body: string;
}

/** Sends a POST; signs it with SigV4 (service `lambda`) when `sign` is set. */
export type Poster = (url: string, body: Uint8Array, headers: Record<string, string>) => Promise<PostResult>;

let signer: SignatureV4 | undefined;
let signerRegion: string | undefined;

/**
 * POSTs to a Lambda Function URL with IAM auth: signs the request with the default credential
 * chain (environment, profile, SSO, instance or function role).
 */
export const signedPost: Poster = async (url, body, headers) => {
  const target = new URL(url);
  const region = regionOfFunctionUrl(target) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error(`Cannot tell the region of ${url}: set AWS_REGION.`);
  if (!signer || signerRegion !== region) {
    signer = new SignatureV4({ service: 'lambda', region, credentials: defaultProvider(), sha256: Sha256 });
    signerRegion = region;
  }
  const query: Record<string, string> = {};
  target.searchParams.forEach((v, k) => (query[k] = v));
  const signed = await signer.sign({
    method: 'POST',
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port ? Number(target.port) : undefined,
    path: target.pathname,
    query,
    headers: { ...headers, host: target.host },
    body,
  });
  return plainPost(url, body, signed.headers);
};

/** POSTs without signing (the local ingest endpoint). */
export const plainPost: Poster = async (url, body, headers) => {
  const { host: _host, ...rest } = headers;
  const response = await fetch(url, { method: 'POST', body: Buffer.from(body), headers: rest });
  return { status: response.status, body: await response.text() };
};

/** Chooses signing for AWS Function URLs and plain requests for anything else (local endpoints). */
export function posterFor(url: string): Poster {
  return regionOfFunctionUrl(new URL(url)) ? signedPost : plainPost;
}
