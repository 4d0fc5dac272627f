import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS, ROOT, sourceFiles } from './source-tree';

/**
 * Files with one job stay short enough to read in one sitting. A source file over `MAX_LINES` must
 * say in its opening comment why it is one unit (a line containing "one unit"), or be split by job.
 */

const MAX_LINES = 500;
const SOURCE = /\.(ts|mts|js|mjs|css|html)$/;

/** Whether the file's first comment block explains why it is one unit. */
function saysWhyOneUnit(text: string): boolean {
  const head = text.split('\n').slice(0, 40).join('\n');
  return /one unit/i.test(head);
}

/** Whether a file breaks the rule: longer than MAX_LINES and not saying why it is one unit. */
export function tooLong(text: string): boolean {
  return text.split('\n').length > MAX_LINES && !saysWhyOneUnit(text);
}

describe('file length', () => {
  it(`no source file is longer than ${MAX_LINES} lines unless it says why it is one unit`, () => {
    const long = Object.keys(LAYERS)
      .flatMap((folder) => sourceFiles(folder, SOURCE))
      .map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }))
      .filter(({ text }) => tooLong(text))
      .map(({ file, text }) => `${file}: ${text.split('\n').length} lines`);
    expect(long).toEqual([]);
  });
});

describe('the check itself', () => {
  const body = Array.from({ length: MAX_LINES + 1 }, (_, i) => `const a${i} = ${i};`).join('\n');
  it('flags a long file, and accepts one whose opening comment says why it is one unit', () => {
    expect(tooLong(body)).toBe(true);
    expect(
      tooLong(`/**\n * The parser tables: one unit, split they would repeat the grammar.\n */\n${body}`),
    ).toBe(false);
    expect(tooLong('const short = 1;\n')).toBe(false);
  });
});
