/**
 * What Postgres `text` (and `json`) can store: any Unicode text without the NUL character. A lone
 * UTF-16 surrogate (an unpaired `\ud800`-`\udfff` escape in JSON) is not Unicode text at all, and
 * Postgres refuses it too.
 */

// NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Why Postgres cannot store `text`, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  if (found[0] === '\u0000') return 'contains a NUL character (\\u0000), which Postgres text cannot store';
  return 'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not valid Unicode and Postgres cannot store';
}

/** `text` with every character Postgres cannot store written as its visible `\uXXXX` escape. */
export function escapeUnstorable(text: string): string {
  return text.replace(UNSTORABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
