import type { Database, Row, SqlParams } from '../../db/database';

/** A database that records the statements sent through it with `query` and `execute`. */
export function recording(db: Database): Database & { statements: string[] } {
  const statements: string[] = [];
  return {
    ...db,
    statements,
    query: <T extends Row = Row>(sql: string, params?: SqlParams) => {
      statements.push(sql);
      return db.query<T>(sql, params);
    },
    execute: <T extends Row = Row>(sql: string, params?: SqlParams) => {
      statements.push(sql);
      return db.execute<T>(sql, params);
    },
  };
}
