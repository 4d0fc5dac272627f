/** The little XML the S3 stand-in reads and writes (S3 speaks restXml). */

export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function xmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|quot|apos|amp);/gi, (_, entity: string) => {
    const e = entity.toLowerCase();
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[e]!;
  });
}

/** A document: `<?xml ...?><Root xmlns="...">body</Root>`. */
export function xmlDocument(root: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_NAMESPACE}">${body}</${root}>`;
}

/** `<Name>escaped value</Name>`. */
export function element(name: string, value: string | number | boolean): string {
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** The text of every `<name>` element directly inside each `<parent>` element, in order. */
export function childTexts(xml: string, parent: string, names: readonly string[]): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  const parents = new RegExp(`<${parent}(?:\\s[^>]*)?>([\\s\\S]*?)</${parent}>`, 'g');
  for (const m of xml.matchAll(parents)) {
    const record: Record<string, string> = {};
    for (const name of names) {
      const child = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(m[1]);
      if (child) record[name] = xmlUnescape(child[1]);
    }
    out.push(record);
  }
  return out;
}

/** The text of the first `<name>` element, if any. */
export function firstText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? xmlUnescape(m[1]) : undefined;
}
