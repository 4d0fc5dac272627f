import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ESBUILD_NODE_TARGET, LAMBDA_NODE_RUNTIME, NODE_MAJOR } from '../../lib/node-runtime';
import { allResources, synthApp } from '../support/synth';

const ROOT = path.join(import.meta.dirname, '..', '..');
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'dashboard-app', 'Dockerfile'), 'utf8');

describe('one Node.js version, stated once', () => {
  test('the dashboard image is pinned by digest, with the tag it was resolved from', () => {
    const lines = DOCKERFILE.split('\n');
    const froms = lines.map((line, i) => [line, i] as const).filter(([line]) => /^FROM /i.test(line));
    expect(froms.length).toBeGreaterThan(0);
    for (const [line, i] of froms) {
      expect(line).toMatch(/^FROM node:\d+-alpine@sha256:[0-9a-f]{64}( AS \w+)?$/);
      const tag = /^FROM (node:\d+-alpine)@/.exec(line)![1]!;
      expect(lines[i - 1], `the line above "${line}" names the tag`).toMatch(new RegExp(`^#.*${tag}`));
    }
    expect(new Set(froms.map(([line]) => line.replace(/ AS \w+$/, ''))).size).toBe(1);
  });

  test("the Lambda runtime and the esbuild target follow the image's Node.js major version", () => {
    expect(NODE_MAJOR).toBe(Number(/^FROM node:(\d+)-alpine/m.exec(DOCKERFILE)![1]));
    expect(LAMBDA_NODE_RUNTIME.name).toBe(`nodejs${NODE_MAJOR}.x`);
    expect(ESBUILD_NODE_TARGET).toBe(`node${NODE_MAJOR}`);
  });

  test('every function of the app runs on that version', { timeout: 300_000 }, () => {
    const functions = allResources(synthApp({}, { nag: false })).filter(
      ([, , r]) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const [stack, id, r] of functions) {
      expect(r.Properties?.Runtime, `${stack}/${id}`).toBe(`nodejs${NODE_MAJOR}.x`);
    }
  });

  test('no other file states a Node.js version of its own', () => {
    const files = [
      'dashboard-app/Dockerfile',
      ...['lib', 'bin'].flatMap((dir) =>
        fs
          .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => path.join(dir, f)),
      ),
    ];
    const stated: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
      for (const [i, line] of text.split('\n').entries()) {
        if (file === 'dashboard-app/Dockerfile' && /^(FROM|#)/.test(line) && /node:\d+-alpine/.test(line))
          continue;
        if (/\b(?:node|nodejs|Node\.js)[ :]?\d{2}\b|NODEJS_\d{2}/i.test(line))
          stated.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    }
    expect(stated).toEqual([]);
  });
});
