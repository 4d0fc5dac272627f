import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS, ROOT, sourceFiles } from './source-tree';

/**
 * The folders form layers (docs/architecture.md): each imports only folders below it, never one above
 * and never a neighbour on its own level; no two files anywhere import each other in a cycle.
 *
 *   datasets/ <- db/ <- migrations/ <- lambda/, dashboard-app/ <- local/, cost/ <- lib/ <- bin/, scripts/, bench/
 *
 * Two narrower rules: `lib/` reads function code only through its `contract.ts` files (environment
 * variable names and the like; the functions themselves are bundling entry paths), and a function
 * folder under `lambda/` reaches another one only through `lambda/shared/`.
 */

/** Code files; declaration files (`.d.ts`) import nothing that runs. */
const CODE = /(?<!\.d)\.(ts|mts|js|mjs)$/;

/** Module specifiers of static imports and re-exports (type-only included) and dynamic imports. */
export function importSpecifiers(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s[^'"`;]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) specifiers.push(m[1]!);
  return specifiers;
}

/** The repository file a relative specifier names (`.ts`, `.js` or an `index` file), or undefined. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(ROOT, dirname(from), specifier);
  const candidates = [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts'), join(base, 'index.js')];
  if (base.endsWith('.js')) candidates.push(base.replace(/\.js$/, '.ts'));
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return relative(ROOT, candidate);
    } catch {
      // not this one
    }
  }
  return relative(ROOT, base);
}

const topFolder = (file: string) => file.split('/')[0]!;

export interface Edge {
  readonly from: string;
  readonly to: string;
}

function importGraph(): Edge[] {
  const edges: Edge[] = [];
  for (const folder of Object.keys(LAYERS)) {
    for (const file of sourceFiles(folder, CODE)) {
      for (const specifier of importSpecifiers(readFileSync(join(ROOT, file), 'utf8'))) {
        const to = resolveSpecifier(file, specifier);
        if (to) edges.push({ from: file, to });
      }
    }
  }
  return edges;
}

/** Each edge that breaks a layering rule, as a sentence. */
export function layeringViolations(edges: readonly Edge[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    const a = topFolder(from);
    const b = topFolder(to);
    if (to.startsWith('..') || b === 'node_modules') continue;
    if (a === b) {
      if (a === 'lambda') {
        const fa = from.split('/')[1];
        const fb = to.split('/')[1];
        if (fa !== fb && fb !== 'shared') {
          problems.push(
            `${from} imports ${to}: functions share code through lambda/shared/, not each other's folders`,
          );
        }
      }
      continue;
    }
    const ra = LAYERS[a];
    const rb = LAYERS[b];
    if (rb === undefined) {
      problems.push(`${from} imports ${to}: ${b}/ is not a source layer (test code belongs in test/)`);
    } else if (ra === undefined || rb >= ra) {
      problems.push(
        `${from} imports ${to}: ${a}/ (layer ${ra}) may import only lower layers, and ${b}/ is layer ${rb}`,
      );
    } else if (a === 'lib' && (b === 'lambda' || b === 'dashboard-app') && !to.endsWith('/contract.ts')) {
      problems.push(`${from} imports ${to}: lib/ reads function code only through contract.ts files`);
    }
  }
  return problems;
}

/** The import cycles between files (strongly connected components of more than one file, or a self-import). */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (next.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) found.push(component.sort());
    }
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('layers', () => {
  const edges = importGraph();

  it('reads the imports of every source folder', () => {
    for (const folder of ['datasets', 'db', 'migrations', 'lambda', 'dashboard-app', 'local', 'lib', 'bin']) {
      expect(
        edges.some((e) => topFolder(e.from) === folder),
        folder,
      ).toBe(true);
    }
  });

  it('no folder imports a folder above it or beside it', () => {
    expect(layeringViolations(edges)).toEqual([]);
  });

  it('no import cycles between files', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('datasets/ imports nothing of ours', () => {
    expect(edges.filter((e) => e.from.startsWith('datasets/') && !e.to.startsWith('datasets/'))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('finds import specifiers of every form', () => {
    const source = [
      "import { a } from '../db/database';",
      "import type { B } from './b';",
      "export { c } from '../c';",
      "export * from './d';",
      "import './side-effect';",
      "const e = await import('../e');",
      "import {\n  f,\n  g,\n} from '../fg';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([
      '../db/database',
      './b',
      '../c',
      './d',
      '../fg',
      './side-effect',
      '../e',
    ]);
  });

  it('refuses upward, sideways and cross-function imports, and lib reaching into functions', () => {
    expect(
      layeringViolations([
        { from: 'datasets/sql.ts', to: 'db/database.ts' },
        { from: 'lambda/loader/a.ts', to: 'dashboard-app/src/b.ts' },
        { from: 'lambda/generator/a.ts', to: 'lambda/ingest/ingest.ts' },
        { from: 'lib/constructs/x.ts', to: 'lambda/loader/route.ts' },
        { from: 'lib/constructs/x.ts', to: 'lambda/loader/contract.ts' },
        { from: 'lambda/generator/a.ts', to: 'lambda/shared/ndjson.ts' },
        { from: 'db/data-api.ts', to: 'datasets/types.ts' },
      ]),
    ).toHaveLength(4);
  });

  it('finds a cycle through three files and ignores a chain', () => {
    expect(
      cycles([
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
        { from: 'c', to: 'd' },
      ]),
    ).toEqual([['a', 'b', 'c']]);
  });
});
