/**
 * Bundles the page (`page/main.ts` and what it imports, the server's contract included) into one
 * browser script with esbuild. `npm run build:page` runs this; `npm start` and the tests run it
 * first. The container build runs the same bundle with the esbuild CLI:
 *
 *   npx esbuild dashboard-app/page/main.ts --bundle --format=iife --target=es2022 --minify \
 *     --outfile=dashboard-app/dist/page/app.js
 */
import { build } from 'esbuild';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_PAGE_SCRIPT } from './src/static-files';

export const PAGE_ENTRY = path.join(import.meta.dirname, 'page', 'main.ts');

/** Writes the page script to `outfile` (where the server reads it by default). */
export async function buildPage(outfile = DEFAULT_PAGE_SCRIPT): Promise<void> {
  await build({
    entryPoints: [PAGE_ENTRY],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    outfile,
    logLevel: 'warning',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildPage().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
