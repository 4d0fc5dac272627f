/**
 * Rewrites the Data API's named parameters (`:name`) into Postgres positional ones (`$1`), skipping
 * string literals, quoted identifiers, dollar-quoted bodies, comments and `::` casts.
 *
 * A name is one or more letters, digits or underscores, in any order: `:id`, `:a_1`, and the numeric
 * names Drizzle ORM (`:1`) and kysely-data-api (`:0`) send. The RDS Data API reference gives
 * `SqlParameter.name` no pattern (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_SqlParameter.html);
 * the Redshift Data API documents the same parameters with the pattern `[0-9a-zA-Z_]+`
 * (https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_SqlParameter.html).
 * One exception keeps array slices working: digits right after a name character (`a[1:2]`) are a
 * slice bound, not a parameter.
 */
export interface PositionalSql {
  readonly sql: string;
  /** Parameter names in `$n` order. */
  readonly names: string[];
}

const IDENT_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;

export function toPositional(sql: string): PositionalSql {
  const names: string[] = [];
  const index = new Map<string, number>();
  let out = '';
  let i = 0;
  const n = sql.length;
  const copyUntil = (end: number) => {
    out += sql.slice(i, end);
    i = end;
  };
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || (c === '"' && true)) {
      // '...' with '' escapes (and backslash escapes for E'...'); "..." with "" escapes.
      const escapeString =
        c === "'" && i > 0 && /[eE]/.test(sql[i - 1]) && !IDENT_PART.test(sql[i - 2] ?? ' ');
      let j = i + 1;
      while (j < n) {
        if (escapeString && sql[j] === '\\') {
          j += 2;
          continue;
        }
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      copyUntil(Math.min(j + 1, n));
      continue;
    }
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      copyUntil(end === -1 ? n : end);
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 0;
      let j = i;
      while (j < n) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
          if (depth === 0) break;
        } else {
          j++;
        }
      }
      copyUntil(j);
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag && !IDENT_PART.test(sql[i - 1] ?? ' ')) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        copyUntil(end === -1 ? n : end + tag[0].length);
        continue;
      }
    }
    if (c === ':') {
      if (next === ':') {
        copyUntil(i + 2);
        continue;
      }
      const previous = sql[i - 1] ?? ' ';
      const sliceBound = DIGIT.test(next ?? '') && IDENT_PART.test(previous);
      if (next !== undefined && IDENT_PART.test(next) && previous !== ':' && !sliceBound) {
        let j = i + 2;
        while (j < n && IDENT_PART.test(sql[j])) j++;
        const name = sql.slice(i + 1, j);
        let position = index.get(name);
        if (position === undefined) {
          names.push(name);
          position = names.length;
          index.set(name, position);
        }
        out += `$${position}`;
        i = j;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { sql: out, names };
}
