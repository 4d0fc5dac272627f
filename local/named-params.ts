/**
 * Rewrites the Data API's named parameters (`:name`) into Postgres positional ones (`$1`), skipping
 * string literals, quoted identifiers, dollar-quoted bodies, comments and `::` casts.
 */
export interface PositionalSql {
  readonly sql: string;
  /** Parameter names in `$n` order. */
  readonly names: string[];
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

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
      if (next !== undefined && IDENT_START.test(next) && sql[i - 1] !== ':') {
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
