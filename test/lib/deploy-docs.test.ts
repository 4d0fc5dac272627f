/**
 * What a user needs to read before a deploy goes wrong, checked against the synthesized app so that
 * the docs cannot fall behind it: what survives `cdk destroy` under a fixed name (and how to adopt or
 * remove it), which stacks read another stack's outputs (and must be redeployed when they change),
 * and the permissions a Function URL caller needs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, test } from 'vitest';
import { synthApp, type SynthResult } from '../support/synth';

const ROOT = path.join(import.meta.dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The part of a markdown file under a heading, up to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').startsWith(heading));
  if (start < 0) return '';
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Name property and the commands that adopt or remove a retained resource of each named type. */
const RETAINED_NAMES: Record<string, { name: (p: Json) => unknown; remove: RegExp }> = {
  'AWS::ECR::Repository': { name: (p) => p.RepositoryName, remove: /aws ecr delete-repository/ },
  'AWS::Glue::Database': { name: (p) => p.DatabaseInput?.Name, remove: /aws glue delete-database/ },
  'AWS::S3::Bucket': { name: (p) => p.BucketName, remove: /aws s3 rb/ },
  'AWS::Logs::LogGroup': { name: (p) => p.LogGroupName, remove: /aws logs delete-log-group/ },
};

let app: SynthResult;
beforeAll(() => {
  app = synthApp({}, { nag: false });
});

describe('deploy docs', () => {
  test('every resource kept under a fixed name after cdk destroy is listed with commands to adopt or remove it', () => {
    const docs = section(read('docs/deploy.md'), 'Deploying again after cdk destroy');
    expect(docs, 'docs/deploy.md has a section "Deploying again after cdk destroy"').not.toBe('');
    expect(docs).toMatch(/cdk import/);
    const retained: string[] = [];
    for (const [stack, template] of Object.entries(app.json)) {
      for (const [id, r] of Object.entries((template.Resources ?? {}) as Record<string, Json>)) {
        if (r.DeletionPolicy !== 'Retain') continue;
        const named = RETAINED_NAMES[r.Type];
        const name = named?.name(r.Properties ?? {});
        if (typeof name !== 'string') continue;
        retained.push(`${stack}/${id}`);
        expect(docs, `${stack}/${id} (${r.Type}) is kept as "${name}"`).toContain(
          name.replace(/^analytics/, '<projectName>'),
        );
        expect(docs, `${stack}/${id}: a command that removes a kept ${r.Type}`).toMatch(named!.remove);
      }
    }
    expect(retained.length).toBeGreaterThan(0);
  });

  test("every stack that reads another stack's output is listed, with when to redeploy it", () => {
    const docs = section(read('docs/deploy.md'), 'Outputs that other stacks read');
    expect(docs, 'docs/deploy.md has a section "Outputs that other stacks read"').not.toBe('');
    const names = new Map<string, string>();
    for (const value of Object.values(app)) {
      if (value instanceof Stack)
        names.set(value.node.id, value.stackName.replace(/^analytics-/, '<projectName>-'));
    }
    const byName = new Map(
      [...names].map(([id, name]) => [name.replace('<projectName>-', 'analytics-'), id]),
    );
    const pairs = new Set<string>();
    for (const [consumer, template] of Object.entries(app.json)) {
      const text = JSON.stringify(template);
      for (const m of text.matchAll(/"Fn::GetStackOutput":\{"StackName":"([^"]+)"/g)) {
        pairs.add(`${names.get(byName.get(m[1]!)!)} -> ${names.get(consumer)}`);
      }
    }
    expect(pairs.size).toBeGreaterThan(0);
    const rows = docs.split('\n').filter((l) => l.startsWith('|'));
    for (const pair of pairs) {
      const [producer, consumer] = pair.split(' -> ');
      expect(
        rows.some((row) => row.includes(`\`${producer}\``) && row.includes(`\`${consumer}\``)),
        `a row of the table names ${pair}`,
      ).toBe(true);
    }
    expect(docs).toMatch(/npx cdk deploy/);
  });

  test('a Function URL caller needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction', () => {
    for (const file of ['docs/ingestion.md', 'docs/deploy.md']) {
      const text = read(file);
      expect(text, file).toMatch(/lambda:InvokeFunctionUrl/);
      expect(text, file).toMatch(/lambda:InvokeFunction(?!Url)/);
    }
  });
});
