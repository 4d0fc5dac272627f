import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The price list of the cost model: `cost/prices.json`, one entry per price with its unit, region,
 * the day it was read and where, and AWS's always-free monthly allowances. This file loads and
 * checks it, and answers "what does X cost in region R" with a clear error for a region or a price
 * the list does not have.
 */

/** One price as the data file states it. */
export interface PriceEntry {
  /** Stable name the model uses, e.g. `aurora.acuHour`. */
  readonly key: string;
  /** AWS Region code, e.g. `us-east-1`. */
  readonly region: string;
  /** US dollars per `unit`. */
  readonly usd: number;
  /** What one `usd` buys, in words. */
  readonly unit: string;
  /** Day the price was read, `YYYY-MM-DD`. */
  readonly read: string;
  /** The AWS pricing page the price belongs to. */
  readonly source: string;
  /** Where the figure was actually read, when the AWS page renders it in the browser only. */
  readonly readFrom?: string;
  /** Set when no AWS text reachable while reading confirmed the figure: says why and what to check. */
  readonly unconfirmed?: string;
  readonly note?: string;
}

/**
 * An always-free monthly allowance of the AWS Free Tier: so many units of one or more prices cost
 * nothing each month, whatever the account's age (unlike the 12-month and trial offers, which the
 * model never applies).
 */
export interface FreeTierAllowance {
  /** Stable name, e.g. `cloudwatch.alarmMetrics`. */
  readonly key: string;
  /** The prices it covers, by key; free units go to them in this order. */
  readonly prices: readonly string[];
  /** Free units a month, in the unit of `prices` (e.g. 1 for a price per million requests). */
  readonly freeUnits: number;
  /** The allowance in words, e.g. `1 million requests a month`. */
  readonly allowance: string;
  /** Day the allowance was read, `YYYY-MM-DD`. */
  readonly read: string;
  /** The AWS page it belongs to. */
  readonly source: string;
  /** The AWS page it was read from, when not `source`. */
  readonly readFrom?: string;
  /** The allowance as the AWS page words it. */
  readonly quote: string;
  readonly note?: string;
}

export interface PriceFile {
  readonly currency: 'USD';
  readonly prices: readonly PriceEntry[];
  /** AWS's always-free monthly allowances. @default none */
  readonly freeTier?: readonly FreeTierAllowance[];
}

/** A price file entry is malformed, or a price or a Region is missing. The message says which and what to do. */
export class PriceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceError';
  }
}

/** The prices of one Region, by key. */
export interface RegionPrices {
  readonly region: string;
  /** US dollars per unit of `key`; throws `PriceError` naming the key when the list lacks it. */
  usd(key: string): number;
  /** The entry of `key`, with its unit and source. */
  entry(key: string): PriceEntry;
  /** Every entry of the Region. */
  readonly entries: readonly PriceEntry[];
  /** The always-free allowances whose prices the Region lists. */
  readonly freeTier: readonly FreeTierAllowance[];
}

export const PRICE_FILE = join(import.meta.dirname, 'prices.json');

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What a cited entry (a price or an allowance) lacks: its text fields, the day it was read
 * (`YYYY-MM-DD`) and https `source` and `readFrom` URLs.
 */
function citationProblems(
  where: string,
  entry: Record<string, unknown> | undefined,
  textFields: readonly string[],
  what: 'price' | 'allowance',
): string[] {
  const problems: string[] = [];
  for (const field of textFields) {
    if (typeof entry?.[field] !== 'string' || (entry[field] as string).trim() === '') {
      problems.push(`${where}: "${field}" must be a non-empty string`);
    }
  }
  if (typeof entry?.read === 'string' && !DATE.test(entry.read)) {
    problems.push(`${where}: "read" must be the day the ${what} was read, YYYY-MM-DD, got "${entry.read}"`);
  }
  for (const field of ['source', 'readFrom'] as const) {
    const url = entry?.[field];
    if (url !== undefined && (typeof url !== 'string' || !url.startsWith('https://'))) {
      problems.push(`${where}: "${field}" must be an https:// URL, got ${JSON.stringify(url)}`);
    }
  }
  return problems;
}

/** Checks every entry of a parsed price file and returns it typed; throws listing every problem. */
export function checkPriceFile(raw: unknown, file = PRICE_FILE): PriceFile {
  const problems: string[] = [];
  const data = raw as { currency?: unknown; prices?: unknown };
  if (data?.currency !== 'USD')
    problems.push(`currency must be "USD", got ${JSON.stringify(data?.currency)}`);
  if (!Array.isArray(data?.prices)) {
    throw new PriceError(`${file}: "prices" must be a list of entries.`);
  }
  const seen = new Set<string>();
  data.prices.forEach((entry: Record<string, unknown>, i: number) => {
    const where = `prices[${i}]${typeof entry?.key === 'string' ? ` (${entry.key})` : ''}`;
    problems.push(...citationProblems(where, entry, ['key', 'region', 'unit', 'read', 'source'], 'price'));
    if (typeof entry?.usd !== 'number' || !Number.isFinite(entry.usd) || entry.usd < 0) {
      problems.push(
        `${where}: "usd" must be a number of dollars, 0 or more, got ${JSON.stringify(entry?.usd)}`,
      );
    }
    const id = `${String(entry?.region)}/${String(entry?.key)}`;
    if (seen.has(id)) problems.push(`${where}: ${id} is listed twice; keep one entry`);
    seen.add(id);
  });
  problems.push(...freeTierProblems(data as { freeTier?: unknown }, data.prices as PriceEntry[]));
  if (problems.length > 0) {
    throw new PriceError(`${file} has ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  }
  return data as PriceFile;
}

/** What is wrong with the file's `freeTier` list: each allowance names known prices and cites its AWS page. */
function freeTierProblems(data: { freeTier?: unknown }, prices: readonly PriceEntry[]): string[] {
  if (data.freeTier === undefined) return [];
  if (!Array.isArray(data.freeTier)) return ['"freeTier" must be a list of allowances'];
  const problems: string[] = [];
  const keys = new Set(prices.map((p) => p?.key));
  const seen = new Set<string>();
  data.freeTier.forEach((allowance: Record<string, unknown>, i: number) => {
    const where = `freeTier[${i}]${typeof allowance?.key === 'string' ? ` (${allowance.key})` : ''}`;
    problems.push(
      ...citationProblems(where, allowance, ['key', 'allowance', 'read', 'source', 'quote'], 'allowance'),
    );
    const covered = allowance?.prices;
    if (!Array.isArray(covered) || covered.length === 0) {
      problems.push(`${where}: "prices" must list the keys of the prices it makes free`);
    } else {
      for (const key of covered) {
        if (!keys.has(key as string))
          problems.push(`${where}: "prices" names "${String(key)}", which no price has`);
      }
    }
    const units = allowance?.freeUnits;
    if (typeof units !== 'number' || !Number.isFinite(units) || units <= 0) {
      problems.push(
        `${where}: "freeUnits" must be a number above 0, in the unit of its prices, got ${JSON.stringify(units)}`,
      );
    }
    if (seen.has(String(allowance?.key))) problems.push(`${where}: listed twice; keep one entry`);
    seen.add(String(allowance?.key));
  });
  return problems;
}

let cached: PriceFile | undefined;

/** The checked contents of `cost/prices.json` (read once). */
export function loadPriceFile(): PriceFile {
  cached ??= checkPriceFile(JSON.parse(readFileSync(PRICE_FILE, 'utf8')) as unknown);
  return cached;
}

/** The Regions the price list covers. */
export function pricedRegions(file: PriceFile = loadPriceFile()): string[] {
  return [...new Set(file.prices.map((p) => p.region))].sort();
}

/**
 * The prices of `region`. A Region the list does not cover is refused, never approximated from
 * another Region's prices.
 */
export function pricesFor(region: string, file: PriceFile = loadPriceFile()): RegionPrices {
  const entries = file.prices.filter((p) => p.region === region);
  if (entries.length === 0) {
    throw new PriceError(
      `No prices for Region "${region}": cost/prices.json covers ${pricedRegions(file).join(', ')}. ` +
        `Estimate with --region ${pricedRegions(file)[0]}, or add "${region}" entries to cost/prices.json ` +
        '(every key, read from the AWS pricing pages, with the date and source).',
    );
  }
  const byKey = new Map(entries.map((p) => [p.key, p]));
  const entry = (key: string): PriceEntry => {
    const found = byKey.get(key);
    if (!found) {
      throw new PriceError(
        `cost/prices.json has no "${key}" price for ${region}. Add it (usd, unit, read date, source URL).`,
      );
    }
    return found;
  };
  const freeTier = (file.freeTier ?? []).filter((a) => a.prices.every((key) => byKey.has(key)));
  return { region, entries, entry, usd: (key) => entry(key).usd, freeTier };
}
