import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The repository's root. */
export const ROOT = resolve(__dirname, '../..');

/**
 * The source folders and their layers (docs/architecture.md): each imports only folders below it.
 *
 *   datasets/ <- db/ <- migrations/ <- lambda/, dashboard-app/ <- local/, cost/ <- lib/ <- bin/, scripts/, bench/
 */
export const LAYERS: Readonly<Record<string, number>> = {
  datasets: 0,
  db: 1,
  migrations: 2,
  lambda: 3,
  'dashboard-app': 3,
  local: 4,
  cost: 4,
  lib: 5,
  bin: 6,
  scripts: 6,
  bench: 6,
};

const SKIP = new Set(['node_modules', 'dist', 'vendor', 'cdk.out', 'fixtures']);

/** Paths, relative to the root, of the files under `folder` whose names match `names`. */
export function sourceFiles(folder: string, names: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (SKIP.has(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (names.test(name)) out.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, folder));
  return out;
}
