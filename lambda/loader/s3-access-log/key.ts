/**
 * The Key field of a server access log record: "the key part of the request, URL encoded, or - if
 * the operation does not take a key parameter"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html). The page does not say
 * which URL encoding; it follows from where the key of each operation comes from:
 * - REST and WEBSITE operations take the key from the request path, which is percent-encoded
 *   (RFC 3986): `%20` is a space and `+` is a plus sign;
 * - a multi-object delete (DeleteObjects, logged once per key as `BATCH.DELETE.OBJECT`) takes the keys
 *   from the XML body of a `POST /bucket?delete` request, and S3 writes them form-encoded in the log:
 *   `+` is a space, a plus sign is `%2B` (`Screen+Shot+2019-09-09+at+9.08.44+AM.png`).
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 * The raw field is always kept (`key`), so a key can be decoded again if another operation turns out
 * to form-encode too.
 */

const DIGIT_0 = 48;
const DIGIT_9 = 57;

/** The operation whose logged key writes a space as `+`. */
const FORM_ENCODED_KEY_OPERATION = 'BATCH.DELETE.OBJECT';

/** The key as the object is named, from the Key field of a record of `operation`. */
export function decodeKey(operation: string, key: string): string {
  const spaced = operation === FORM_ENCODED_KEY_OPERATION ? key.replaceAll('+', ' ') : key;
  return spaced.indexOf('%') === -1 ? spaced : safeDecodeUriComponent(spaced);
}

/** The value of a hexadecimal digit, or -1. */
function hexValue(c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0;
  const lower = c | 32;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/**
 * Decodes percent escapes without ever throwing: a malformed escape or an invalid UTF-8 sequence
 * is left as it is, and the rest of the value is still decoded. Keys mostly escape ASCII (spaces,
 * parentheses), which is decoded here directly; escapes of UTF-8 bytes go through
 * `decodeURIComponent`.
 */
export function safeDecodeUriComponent(value: string): string {
  let i = value.indexOf('%');
  if (i === -1) return value;
  let out = '';
  let from = 0;
  while (i !== -1) {
    const high = hexValue(value.charCodeAt(i + 1));
    const low = high < 0 ? -1 : hexValue(value.charCodeAt(i + 2));
    if (low < 0) {
      i = value.indexOf('%', i + 1);
      continue;
    }
    const byte = high * 16 + low;
    if (byte === 0) {
      // %00 stays encoded: Postgres text cannot hold NUL, and the raw key keeps the exact bytes.
      i = value.indexOf('%', i + 1);
      continue;
    }
    if (byte >= 0x80) return decodeWithUtf8(value);
    out += value.slice(from, i) + String.fromCharCode(byte);
    from = i + 3;
    i = value.indexOf('%', from);
  }
  return out + value.slice(from);
}

function decodeWithUtf8(value: string): string {
  return decodeUtf8Escapes(value).replaceAll('\u0000', '%00');
}

function decodeUtf8Escapes(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        // Invalid UTF-8 in the run: decode the ASCII escapes, keep the others as they are.
        return run.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) =>
          String.fromCharCode(parseInt(hex, 16)),
        );
      }
    });
  }
}
