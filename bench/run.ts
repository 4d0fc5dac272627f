/**
 * `npm run bench`: runs every `bench/*.ts` module that exports `async function run()`, in name
 * order, or only those named on the command line (`npm run bench -- data-api`). Each module prints
 * its own figures beside its baseline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = import.meta.dirname;
const available = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}. Available: ${available.join(', ')}.`);
  process.exit(1);
}
for (const name of wanted.length > 0 ? wanted : available) {
  const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as {
    run?: () => Promise<void>;
  };
  if (typeof mod.run !== 'function') continue;
  console.log(`\n== ${name} ==`);
  await mod.run();
}
