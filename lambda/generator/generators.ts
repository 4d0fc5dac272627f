import { Random } from './random';

/**
 * Pure generators of realistic records for the built-in datasets. Deterministic for a given seed
 * and time, so tests can check their distributions.
 */

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Amara',
  'Anna',
  'Aziz',
  'Beatriz',
  'Chen',
  'Chloe',
  'Daniel',
  'Elena',
  'Emeka',
  'Farah',
  'Grace',
  'Hiro',
  'Ines',
  'Ivan',
  'Jamal',
  'Julia',
  'Kai',
  'Lars',
  'Layla',
  'Lucas',
  'Maya',
  'Mateo',
  'Nadia',
  'Noah',
  'Olga',
  'Omar',
  'Priya',
  'Rafael',
  'Sara',
  'Sofia',
  'Tariq',
  'Uma',
  'Viktor',
  'Yuki',
  'Zoe',
] as const;
const LAST_NAMES = [
  'Adeyemi',
  'Andersen',
  'Bauer',
  'Costa',
  'Dubois',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ivanova',
  'Jensen',
  'Kim',
  'Kowalski',
  'Lopez',
  'Martin',
  'Müller',
  'Nakamura',
  'Novak',
  "O'Brien",
  'Okafor',
  'Petrov',
  'Rossi',
  'Santos',
  'Schmidt',
  'Singh',
  'Tanaka',
  'Virtanen',
  'Wang',
  'Weber',
  'Yilmaz',
  'Zhang',
] as const;

/** A stable population of people, so the same names recur across batches like real users. */
export function population(size: number, seed = 7): { name: string; birthDate: string; profile: number }[] {
  const random = new Random(seed);
  const people = new Map<string, { name: string; birthDate: string; profile: number }>();
  while (people.size < size) {
    const name = `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`;
    if (people.has(name)) continue;
    // Ages 16 to 85, most between 25 and 50.
    const age = Math.min(85, Math.max(16, Math.round(random.normal(38, 13))));
    const born = new Date(
      Date.UTC(2000, 0, 1) - (age - 25) * 365.25 * 86_400_000 - random.int(0, 364) * 86_400_000,
    );
    // A per-person connection quality factor: fibre users stay fast, mobile users slow.
    people.set(name, { name, birthDate: born.toISOString().slice(0, 10), profile: random.logNormal(1, 0.6) });
  }
  return [...people.values()];
}

const PEOPLE = population(60);

export interface GenerateOptions {
  readonly count: number;
  /** End of the window the records' times fall in. */
  readonly now: Date;
  /** Length of that window in milliseconds. @default 5 minutes */
  readonly windowMs?: number;
  readonly random: Random;
}

function timeIn(options: GenerateOptions): Date {
  const window = options.windowMs ?? 5 * 60_000;
  return new Date(options.now.getTime() - Math.floor(options.random.next() * window));
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Network usage sessions: believable names, ages, speeds, durations and traffic. */
export function generateUsage(options: GenerateOptions): Record<string, unknown>[] {
  const { random } = options;
  return Array.from({ length: options.count }, () => {
    const person = random.pick(PEOPLE);
    const duration = Math.min(7 * 24 * 3600, Math.max(5, Math.round(random.logNormal(900, 1.1))));
    const download = Math.min(100_000, round(random.logNormal(60, 0.7) * person.profile, 2));
    const upload = Math.min(100_000, round(download * random.uniform(0.08, 0.4), 2));
    // Traffic in MB: average speed (Mbit/s) × time (s) / 8, times the share of the session spent active.
    const traffic = round(((download + upload) * duration * random.uniform(0.02, 0.3)) / 8, 3);
    return {
      person_name: person.name,
      birth_date: person.birthDate,
      accessed_at: timeIn(options).toISOString(),
      session_duration: duration,
      download_speed: download,
      upload_speed: upload,
      consumed_traffic: Math.min(1e9, traffic),
    };
  });
}

const SYMBOLS: Record<string, number> = {
  'BTC-USD': 64_000,
  'ETH-USD': 3_200,
  AAPL: 190,
  MSFT: 420,
  AMZN: 180,
  TSLA: 240,
};
const lastPrice = new Map<string, number>(Object.entries(SYMBOLS));

/** Market trades: prices follow a random walk per symbol (kept across calls), exact decimals. */
export function generateTrades(options: GenerateOptions): Record<string, unknown>[] {
  const { random } = options;
  const symbols = Object.keys(SYMBOLS);
  const records = Array.from({ length: options.count }, () => {
    const symbol = random.pick(symbols);
    const previous = lastPrice.get(symbol)!;
    const price = Math.max(0.01, previous * (1 + random.normal(0, 0.0015)));
    lastPrice.set(symbol, price);
    const crypto = symbol.endsWith('-USD');
    const volume = crypto
      ? random.logNormal(0.2, 1.2).toFixed(6)
      : String(Math.max(1, Math.round(random.logNormal(50, 1))));
    return {
      trade_id: `${symbol}-${random.uuid()}`,
      symbol,
      price: price.toFixed(crypto ? 2 : 4),
      volume,
      traded_at: timeIn(options),
    };
  });
  records.sort((a, b) => a.traded_at.getTime() - b.traded_at.getTime());
  return records.map((r) => ({ ...r, traded_at: r.traded_at.toISOString() }));
}

export interface SamplesOptions extends GenerateOptions {
  /** Share of `flag` values that are true. @default 0.7 (a 7:3 true:false ratio) */
  readonly trueRatio?: number;
  /** Where the random walk starts. @default the last value of the previous call, or 100 */
  readonly walkStart?: number;
}

let walk = 100;
const CATEGORIES = ['alpha', 'beta', 'gamma', 'delta'] as const;
const CATEGORY_WEIGHTS = [0.4, 0.3, 0.2, 0.1] as const;
const OFFSETS = ['+00:00', '+01:00', '+02:00', '-05:00', '-08:00', '+05:30', '+09:00'] as const;

/** Formats an instant in a given offset, e.g. `2024-05-01T14:00:00.000+02:00`. */
export function withOffset(date: Date, offset: string): string {
  const sign = offset[0] === '-' ? -1 : 1;
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return new Date(date.getTime() + minutes * 60_000).toISOString().replace('Z', offset);
}

/**
 * Samples with varied distributions: a timestamp with a time zone offset, a random walk, a
 * normal(100, 15) value, a weighted categorical choice and a boolean with a set true:false ratio.
 */
export function generateSamples(options: SamplesOptions): Record<string, unknown>[] {
  const { random } = options;
  const ratio = options.trueRatio ?? 0.7;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`trueRatio ${ratio} must be between 0 and 1.`);
  if (options.walkStart !== undefined) walk = options.walkStart;
  const times = Array.from({ length: options.count }, () => timeIn(options)).sort(
    (a, b) => a.getTime() - b.getTime(),
  );
  return times.map((time) => {
    walk = round(walk + random.normal(0, 1), 4);
    let pick = random.next();
    let category: string = CATEGORIES[CATEGORIES.length - 1];
    for (let i = 0; i < CATEGORIES.length; i++) {
      if (pick < CATEGORY_WEIGHTS[i]) {
        category = CATEGORIES[i];
        break;
      }
      pick -= CATEGORY_WEIGHTS[i];
    }
    return {
      sample_id: random.uuid(),
      sampled_at: withOffset(time, random.pick(OFFSETS)),
      walk,
      normal: round(random.normal(100, 15), 4),
      category,
      flag: random.chance(ratio),
      attributes: random.chance(0.2) ? { source: 'generator', batch_size: options.count } : null,
    };
  });
}

/** The generators by dataset name. */
export const GENERATORS: Record<string, (options: GenerateOptions) => Record<string, unknown>[]> = {
  usage: generateUsage,
  trades: generateTrades,
  samples: generateSamples,
};
