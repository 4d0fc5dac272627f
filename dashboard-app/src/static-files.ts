/**
 * The files the server sends as they are: the page (`index.html`), its styles, its script (built
 * from `dashboard-app/page/` by esbuild) and the ECharts browser bundle. Read once, then kept in
 * memory; the login page needs the styles, so static files are public.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import * as path from 'node:path';
import { sendFile } from './http';

/** index.html and styles.css: `dashboard-app/public/` (`/app/public/` in the container). */
export const DEFAULT_PUBLIC_DIR = path.resolve(import.meta.dirname, '..', 'public');

/**
 * The page script bundled by esbuild: `dashboard-app/dist/page/app.js`, written by
 * `npm run build:page` (which `npm start` and the tests run first), and by the container build to
 * `/app/dist/page/app.js` beside the server bundle `/app/dist/server.mjs`.
 */
export const DEFAULT_PAGE_SCRIPT = path.resolve(import.meta.dirname, '..', 'dist', 'page', 'app.js');

/** The ECharts bundle: copied next to the page in the container, read from node_modules otherwise. */
export function defaultEchartsFile(publicDir = DEFAULT_PUBLIC_DIR): string {
  const vendored = path.join(publicDir, 'vendor', 'echarts.min.js');
  if (existsSync(vendored)) return vendored;
  return createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
}

export interface StaticFileOptions {
  /** Where index.html and styles.css live. @default DEFAULT_PUBLIC_DIR */
  readonly publicDir?: string;
  /** The page script. @default DEFAULT_PAGE_SCRIPT */
  readonly pageScript?: string;
  /** The ECharts browser bundle. @default defaultEchartsFile(publicDir) */
  readonly echartsFile?: string;
}

const JS = 'text/javascript; charset=utf-8';

export class StaticFiles {
  /** URL path → file and content type of the public files. */
  readonly assets: ReadonlyMap<string, { readonly file: string; readonly type: string }>;
  private readonly index: string;
  private readonly cache = new Map<string, Buffer>();

  constructor(options: StaticFileOptions = {}) {
    const publicDir = options.publicDir ?? DEFAULT_PUBLIC_DIR;
    this.index = path.join(publicDir, 'index.html');
    this.assets = new Map([
      ['/static/app.js', { file: options.pageScript ?? DEFAULT_PAGE_SCRIPT, type: JS }],
      ['/static/styles.css', { file: path.join(publicDir, 'styles.css'), type: 'text/css; charset=utf-8' }],
      ['/static/echarts.min.js', { file: options.echartsFile ?? defaultEchartsFile(publicDir), type: JS }],
    ]);
  }

  /** Sends a public file; revalidated on every load so a new deployment shows at once. */
  async sendAsset(res: ServerResponse, method: string, urlPath: string): Promise<void> {
    const asset = this.assets.get(urlPath)!;
    sendFile(res, method, await this.read(asset.file), asset.type, 'no-cache');
  }

  /** Sends the page itself (behind the login, never cached). */
  async sendPage(res: ServerResponse, method: string): Promise<void> {
    sendFile(res, method, await this.read(this.index), 'text/html; charset=utf-8', 'no-store');
  }

  private async read(file: string): Promise<Buffer> {
    let body = this.cache.get(file);
    if (!body) {
      try {
        body = await readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && file.endsWith(`${path.sep}app.js`)) {
          throw new Error(`The page script ${file} is missing: build it with \`npm run build:page\`.`);
        }
        throw err;
      }
      this.cache.set(file, body);
    }
    return body;
  }
}
