import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const CONSTRUCTS = path.join(import.meta.dirname, '..', '..', '..', 'lib', 'constructs');
const FILES = [
  'object-loader.ts',
  'ingest-endpoint.ts',
  'data-generator.ts',
  'secure-bucket.ts',
  'app-function.ts',
  'schema-migrations.ts',
  'function-findings.ts',
];

interface Prop {
  readonly name: string;
  readonly optional: boolean;
  readonly type: string;
  readonly doc: string;
}

/** The readonly fields of every exported `...Props` interface, with the JSDoc just above each. */
function propsOf(source: string): Prop[] {
  const props: Prop[] = [];
  for (const block of source.matchAll(/export interface \w+Props\b[^{]*\{([\s\S]*?)\n\}/g)) {
    for (const m of block[1]!.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)?\s*readonly (\w+)(\??): ([^;]+);/g)) {
      props.push({ doc: m[1] ?? '', name: m[2]!, optional: m[3] === '?', type: m[4]! });
    }
  }
  return props;
}

describe.each(FILES)('%s props', (file) => {
  const props = propsOf(fs.readFileSync(path.join(CONSTRUCTS, file), 'utf8'));

  it('document every field', () => {
    for (const prop of props) expect(prop.doc, prop.name).toMatch(/\/\*\*\s*\S/);
  });

  it('give every optional field a @default that says what happens', () => {
    for (const prop of props.filter((p) => p.optional)) {
      const value = /@default\s+([^\n*]+(?:\n\s*\*\s+[^@\n*][^\n]*)*)/.exec(prop.doc)?.[1]?.trim();
      expect(value, `${prop.name}: no @default`).toBeDefined();
      expect(value, `${prop.name}: @default ${value}`).not.toMatch(/^(\{\}|none|undefined|-)\s*(\(.*\))?$/i);
    }
  });

  it('take interfaces, not concrete classes, for resources made elsewhere', () => {
    for (const prop of props) {
      expect(prop.type, prop.name).not.toMatch(
        /\b(rds\.DatabaseCluster|s3\.Bucket|sns\.Topic|secretsmanager\.Secret|sqs\.Queue|IngestEndpoint)\b/,
      );
    }
  });
});
