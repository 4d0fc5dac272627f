/**
 * Finds context keys that are not settings of the app. A key close to a setting's name is a typo
 * (`alertEmail`, `monthlyBudget`) and becomes a problem that stops synth; any other unknown key
 * only gets a warning, because the context is a namespace the app shares: `cdk.json` is read by
 * every CDK app of the repository (the GitHub OIDC app reads `githubRepo` and its other settings
 * from it), and construct libraries and tools read their own keys. Keys the CDK itself writes
 * (feature flags, cached lookups, `aws:cdk:*`) are never reported.
 */

/** Context keys the CDK CLI writes without a `:` or `@` (`cdk acknowledge`, `cdk cli-telemetry`). */
const CDK_PLAIN_KEYS = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);

/**
 * Whether a context key belongs to the CDK or another tool rather than to the app's settings:
 * feature flags (`@aws-cdk/...`), the CLI's own keys (`aws:cdk:...`), cached lookups
 * (`availability-zones:account=...`, `ssm:...`: every provider's key holds a `:`), and `cdk-...` keys.
 * Settings are plain identifiers, so the same rule lets other tools namespace their keys (`tool:key`).
 */
export function isToolContextKey(key: string): boolean {
  return (
    key.startsWith('@') ||
    key.startsWith('$') ||
    key.includes(':') ||
    key.startsWith('cdk-') ||
    key.startsWith('aws-cdk') ||
    CDK_PLAIN_KEYS.has(key)
  );
}

/** The words of a name in any spelling (`monthlyBudgetUsd`, `monthly-budget-usd`), lower case, without a plural s. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w));
}

const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Edit distance with adjacent transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * How far `key` is from the setting `known`, or undefined when it is not plausibly a misspelling of
 * it: a few edits apart (ignoring case and separators), one name inside the other (`maxAcu`,
 * `monthlyBudget`), or every word of the key among the setting's words (`dashboardCidrs`).
 */
function closeness(key: string, known: string): number | undefined {
  const a = squash(key);
  const b = squash(known);
  if (a.length < 4) return undefined;
  const edits = distance(a, b);
  if (edits <= (Math.min(a.length, b.length) >= 6 ? 2 : 1)) return edits;
  if (a.length >= 5 && (b.includes(a) || a.includes(b))) return 10 + Math.abs(a.length - b.length);
  const keyWords = words(key);
  const knownWords = new Set(words(known));
  if (keyWords.length >= 2 && keyWords.every((w) => knownWords.has(w))) {
    return 20 + knownWords.size - keyWords.length;
  }
  return undefined;
}

/** The known setting `key` is most likely a misspelling of, or undefined when there is none. */
export function closestSetting(key: string, known: Iterable<string>): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const score = closeness(key, name);
    if (score !== undefined && (!best || score < best.score)) best = { name, score };
  }
  return best?.name;
}

export interface UnknownSettings {
  /** Keys that look like a misspelled setting, each a sentence naming the setting meant. */
  readonly problems: string[];
  /** Keys that are no setting and close to none. */
  readonly warnings: string[];
}

/** Sorts the context keys that are not `known` settings into problems (typos) and warnings. */
export function checkSettingNames(keys: Iterable<string>, known: ReadonlySet<string>): UnknownSettings {
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const key of keys) {
    if (known.has(key) || isToolContextKey(key)) continue;
    const meant = closestSetting(key, known);
    if (meant) {
      problems.push(
        `${key} is not a setting: did you mean \`${meant}\`? Rename it in cdk.json under "context" or on the ` +
          `command line (-c ${meant}=...).`,
      );
    } else {
      warnings.push(
        `${key} is not a setting of this app, so it has no effect here. The settings are listed in the ` +
          `README (Settings); keys for other tools can carry a prefix with a colon (tool:${key}).`,
      );
    }
  }
  return { problems, warnings };
}
