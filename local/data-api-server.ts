import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { protocol, types, type PGlite, type Results } from '@electric-sql/pglite';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { createDatabase, MAX_REQUEST_BYTES } from '../db/data-api';
import type { Database } from '../db/database';
import type { RetryOptions } from '../db/retry';
import { sessionOwner, type SessionOwner } from './connection';
import { toPositional } from './named-params';

/**
 * A local endpoint speaking the RDS Data API (AWS restJson1) over an embedded PGlite database, so
 * the unmodified `@aws-sdk/client-rds-data` client works against it through the standard endpoint
 * setting (`AWS_ENDPOINT_URL_RDS_DATA`). Implements ExecuteStatement (`/Execute`),
 * BatchExecuteStatement (`/BatchExecute`), BeginTransaction, CommitTransaction and RollbackTransaction
 * with the documented request and response shapes and error types. Differences from Aurora are
 * listed in `local/README.md`.
 */

export const LOCAL_CLUSTER_ARN = 'arn:aws:rds:us-east-1:000000000000:cluster:analytics-local';
export const LOCAL_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:000000000000:secret:analytics-local-db-AbCdEf';
export const LOCAL_DATABASE = 'analytics';

/** Requests above 4 MiB are refused, as by the Data API. */
export const REQUEST_LIMIT_BYTES = MAX_REQUEST_BYTES;
/** Responses above 1 MiB are refused, as by the Data API. */
export const RESPONSE_LIMIT_BYTES = 1024 * 1024;
/** A transaction not used for 3 minutes is rolled back, as by the Data API. */
export const TRANSACTION_IDLE_TIMEOUT_MS = 3 * 60 * 1000;

export interface DataApiServerOptions {
  /** The embedded database. Its session is shared with the Postgres wire endpoint, if any. */
  readonly pg: PGlite;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Idle time after which an open transaction is rolled back. @default TRANSACTION_IDLE_TIMEOUT_MS */
  readonly transactionTimeoutMs?: number;
}

export interface DataApiServer {
  /** Base URL for `AWS_ENDPOINT_URL_RDS_DATA` or the client's `endpoint`, e.g. `http://127.0.0.1:4510`. */
  readonly url: string;
  readonly port: number;
  /**
   * Makes the next `requests` requests fail with `DatabaseResumingException`, as Aurora Serverless v2
   * does for 15 to 30 seconds while it resumes from zero capacity; for trying retry behaviour locally.
   */
  simulateResuming(requests: number): void;
  /** Stops accepting requests, rolls back open transactions and closes the server (not the database). */
  close(): Promise<void>;
}

/** An error the Data API would return: its type goes in `x-amzn-ErrorType`, its message in the body. */
export class DataApiFault extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const serialize = protocol.serialize;

const badRequest = (message: string) => new DataApiFault('BadRequestException', 400, message);

// --- wire shapes (see @aws-sdk/client-rds-data) -------------------------------------------------

interface ArrayValue {
  booleanValues?: boolean[];
  longValues?: number[];
  doubleValues?: number[];
  stringValues?: string[];
  arrayValues?: ArrayValue[];
}

interface Field {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: ArrayValue;
}

interface SqlParameter {
  name?: string;
  value?: Field;
  typeHint?: string;
}

interface ResultSetOptions {
  decimalReturnType?: 'STRING' | 'DOUBLE_OR_LONG';
  longReturnType?: 'STRING' | 'LONG';
}

interface ColumnMetadata {
  name: string;
  label: string;
  type: number;
  typeName: string;
  schemaName: string;
  tableName: string;
  isAutoIncrement: boolean;
  isSigned: boolean;
  isCurrency: boolean;
  isCaseSensitive: boolean;
  nullable: number;
  precision: number;
  scale: number;
  arrayBaseColumnType: number;
}

// --- parameters ------------------------------------------------------------------------------------

const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

const HINT_TYPES: Record<string, { oid: number; format?: RegExp; expected: string }> = {
  DATE: { oid: OID.date, format: /^\d{4}-\d{2}-\d{2}$/, expected: 'YYYY-MM-DD' },
  TIME: { oid: OID.time, format: /^\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/, expected: 'HH:MM:SS[.FFF]' },
  TIMESTAMP: {
    oid: OID.timestamp,
    format: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
    expected: 'YYYY-MM-DD HH:MM:SS[.FFF]',
  },
  DECIMAL: {
    oid: OID.numeric,
    format: /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/,
    expected: 'a decimal number',
  },
  // Any text: Postgres itself reports JSON that does not parse.
  JSON: { oid: OID.json, expected: 'JSON text' },
  UUID: {
    oid: OID.uuid,
    format: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    expected: 'a UUID',
  },
};

interface BoundValue {
  readonly text: string | null;
  readonly oid: number;
}

/** Converts one Data API parameter to Postgres text and type. Plain strings are `varchar`, as on Aurora. */
function bindParameter(p: SqlParameter): BoundValue {
  const name = p.name ?? '(unnamed)';
  const v = p.value;
  if (!v || typeof v !== 'object') throw badRequest(`Parameter ${name} has no value.`);
  const kinds = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1)
    throw badRequest(`Parameter ${name} must set exactly one value field, got ${kinds.join(', ')}.`);
  if (p.typeHint !== undefined && v.stringValue === undefined) {
    throw badRequest(`Parameter ${name}: typeHint ${p.typeHint} applies to a stringValue only.`);
  }
  if (v.isNull) return { text: null, oid: 0 };
  if (v.booleanValue !== undefined) return { text: v.booleanValue ? 'true' : 'false', oid: OID.bool };
  if (v.longValue !== undefined) {
    if (!Number.isInteger(v.longValue))
      throw badRequest(`Parameter ${name}: longValue ${v.longValue} is not an integer.`);
    return { text: String(v.longValue), oid: OID.int8 };
  }
  if (v.doubleValue !== undefined) return { text: String(v.doubleValue), oid: OID.float8 };
  if (v.blobValue !== undefined)
    return { text: `\\x${Buffer.from(v.blobValue, 'base64').toString('hex')}`, oid: OID.bytea };
  if (v.arrayValue !== undefined) throw badRequest('Array parameters are not supported.');
  if (v.stringValue !== undefined) {
    if (p.typeHint === undefined) return { text: v.stringValue, oid: OID.varchar };
    const hint = HINT_TYPES[p.typeHint];
    if (!hint) {
      throw badRequest(
        `Parameter ${name}: unknown typeHint ${p.typeHint}; use one of ${Object.keys(HINT_TYPES).join(', ')}.`,
      );
    }
    if (hint.format && !hint.format.test(v.stringValue)) {
      throw badRequest(
        `Parameter ${name}: "${v.stringValue.slice(0, 100)}" is not in the ${p.typeHint} format (${hint.expected}).`,
      );
    }
    return { text: v.stringValue, oid: hint.oid };
  }
  throw badRequest(`Parameter ${name} has no supported value field.`);
}

interface PreparedStatement {
  readonly sql: string;
  readonly names: string[];
}

function bindAll(statement: PreparedStatement, parameters: SqlParameter[] | undefined) {
  const byName = new Map<string, SqlParameter>();
  for (const p of parameters ?? []) {
    if (!p.name) throw badRequest('Every parameter needs a name.');
    byName.set(p.name, p);
  }
  const values: (string | null)[] = [];
  const paramTypes: number[] = [];
  for (const name of statement.names) {
    const p = byName.get(name);
    if (!p) throw badRequest(`No value specified for parameter: ${name}`);
    const bound = bindParameter(p);
    values.push(bound.text);
    paramTypes.push(bound.oid);
  }
  return { values, paramTypes };
}

// --- results ---------------------------------------------------------------------------------------

interface TypeInfo {
  readonly name: string;
  readonly elem: number;
}

/** JDBC type codes the Data API reports in `columnMetadata.type`. */
const JDBC_TYPES: Record<string, number> = {
  bool: -7,
  int2: 5,
  int4: 4,
  int8: -5,
  float4: 7,
  float8: 8,
  numeric: 2,
  varchar: 12,
  text: 12,
  bpchar: 1,
  date: 91,
  time: 92,
  timestamp: 93,
  timestamptz: 93,
  bytea: -2,
};

const INTEGER_OIDS = new Set<number>([OID.int2, OID.int4, OID.int8, OID.oid]);
const FLOAT_OIDS = new Set<number>([OID.float4, OID.float8]);

/** Postgres prints timestamptz in the session zone; Data API values are in UTC without an offset. */
function utcTimestamp(text: string): string {
  const m = /^(.*?)([+-]\d{2}(?::?\d{2}){0,2})$/.exec(text);
  if (!m) return text;
  if (/^[+-]00(:?00)*$/.test(m[2])) return m[1];
  const fraction = /\.(\d+)/.exec(m[1])?.[1] ?? '';
  const date = new Date(`${m[1].replace(' ', 'T')}${m[2].length === 3 ? `${m[2]}:00` : m[2]}`);
  if (Number.isNaN(date.getTime())) return text;
  const base = date.toISOString().slice(0, 19).replace('T', ' ');
  return fraction ? `${base}.${fraction}` : base;
}

class ResultFormatter {
  constructor(
    private readonly typeInfo: Map<number, TypeInfo>,
    private readonly options: ResultSetOptions,
  ) {}

  /** A scalar as a JS value for JSON output (numbers stay exact: returned as raw JSON text). */
  private scalarJson(text: string, oid: number): string {
    if (oid === OID.bool) return text === 't' || text === 'true' ? 'true' : 'false';
    if (INTEGER_OIDS.has(oid)) return this.options.longReturnType === 'STRING' ? JSON.stringify(text) : text;
    if (FLOAT_OIDS.has(oid)) return /^-?[\d.]+(e[+-]?\d+)?$/i.test(text) ? text : JSON.stringify(text);
    if (oid === OID.numeric) {
      return this.options.decimalReturnType === 'DOUBLE_OR_LONG' && /^-?\d+(\.\d+)?$/.test(text)
        ? String(Number(text))
        : JSON.stringify(text);
    }
    if (oid === OID.timestamptz) return JSON.stringify(utcTimestamp(text));
    if (oid === OID.bytea) return JSON.stringify(Buffer.from(text.slice(2), 'hex').toString('base64'));
    return JSON.stringify(text);
  }

  json(text: string | null, oid: number): string {
    if (text === null) return 'null';
    const elem = this.typeInfo.get(oid)?.elem ?? 0;
    if (elem !== 0 && text.startsWith('{')) {
      const parsed = types.arrayParser(text, (x: string) => x, oid) as unknown[];
      const render = (a: unknown): string =>
        Array.isArray(a)
          ? `[${a.map(render).join(',')}]`
          : a === null
            ? 'null'
            : this.scalarJson(a as string, elem);
      return render(parsed);
    }
    return this.scalarJson(text, oid);
  }

  field(text: string | null, oid: number): Field {
    if (text === null) return { isNull: true };
    const elem = this.typeInfo.get(oid)?.elem ?? 0;
    if (elem !== 0 && text.startsWith('{')) {
      return { arrayValue: this.array(types.arrayParser(text, (x: string) => x, oid) as unknown[], elem) };
    }
    if (oid === OID.bool) return { booleanValue: text === 't' || text === 'true' };
    if (INTEGER_OIDS.has(oid)) {
      return this.options.longReturnType === 'STRING' ? { stringValue: text } : { longValue: Number(text) };
    }
    if (FLOAT_OIDS.has(oid)) return { doubleValue: Number(text) };
    if (oid === OID.numeric && this.options.decimalReturnType === 'DOUBLE_OR_LONG') {
      return /^-?\d+$/.test(text) ? { longValue: Number(text) } : { doubleValue: Number(text) };
    }
    if (oid === OID.timestamptz) return { stringValue: utcTimestamp(text) };
    if (oid === OID.bytea) return { blobValue: Buffer.from(text.slice(2), 'hex').toString('base64') };
    return { stringValue: text };
  }

  private array(items: unknown[], elem: number): ArrayValue {
    if (items.some((x) => Array.isArray(x))) {
      return { arrayValues: items.map((x) => this.array(Array.isArray(x) ? x : [x], elem)) };
    }
    const texts = items as (string | null)[];
    if (elem === OID.bool) return { booleanValues: texts.map((t) => t === 't' || t === 'true') };
    if (INTEGER_OIDS.has(elem)) return { longValues: texts.map((t) => (t === null ? 0 : Number(t))) };
    if (FLOAT_OIDS.has(elem)) return { doubleValues: texts.map((t) => (t === null ? 0 : Number(t))) };
    return {
      stringValues: texts.map((t) => (t === null ? '' : elem === OID.timestamptz ? utcTimestamp(t) : t)),
    };
  }

  metadata(fields: Results['fields']): ColumnMetadata[] {
    return fields.map((f) => {
      const info = this.typeInfo.get(f.dataTypeID);
      const typeName = info?.name ?? 'unknown';
      const isArray = (info?.elem ?? 0) !== 0 && typeName.startsWith('_');
      return {
        name: f.name,
        label: f.name,
        type: isArray ? 2003 : (JDBC_TYPES[typeName] ?? 1111),
        typeName,
        schemaName: '',
        tableName: '',
        isAutoIncrement: false,
        isSigned:
          INTEGER_OIDS.has(f.dataTypeID) || FLOAT_OIDS.has(f.dataTypeID) || f.dataTypeID === OID.numeric,
        isCurrency: false,
        isCaseSensitive: ['text', 'varchar', 'bpchar'].includes(typeName),
        nullable: 2,
        precision: 0,
        scale: 0,
        arrayBaseColumnType: isArray ? (JDBC_TYPES[this.typeInfo.get(info!.elem)?.name ?? ''] ?? 1111) : 0,
      };
    });
  }
}

// --- errors from Postgres -------------------------------------------------------------------------

interface PostgresError {
  message?: string;
  code?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

/** Shapes a Postgres error the way the Data API reports it: `ERROR: ...; SQLState: 23505`. */
function databaseFault(err: unknown): DataApiFault {
  if (err instanceof DataApiFault) return err;
  const e = (err ?? {}) as PostgresError;
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    let message = `ERROR: ${e.message ?? 'unknown error'}`;
    if (e.detail) message += `\n  Detail: ${e.detail}`;
    if (e.hint) message += `\n  Hint: ${e.hint}`;
    if (e.position) message += `\n  Position: ${e.position}`;
    return new DataApiFault('DatabaseErrorException', 400, `${message}; SQLState: ${e.code}`);
  }
  return new DataApiFault('InternalServerErrorException', 500, (err as Error)?.message ?? String(err));
}

// --- the server ------------------------------------------------------------------------------------

interface OpenTransaction {
  readonly id: string;
  timer: NodeJS.Timeout;
}

class DataApiHandler {
  private readonly transactions = new Map<string, OpenTransaction>();
  private readonly ended = new Set<string>();
  private readonly identity: Record<string, (x: string) => string>;
  private statementCounter = 0;
  private closing = false;
  /** Requests still to refuse with DatabaseResumingException. */
  resumingRequests = 0;

  constructor(
    private readonly pg: PGlite,
    private readonly owner: SessionOwner,
    private readonly typeInfo: Map<number, TypeInfo>,
    private readonly transactionTimeoutMs: number,
  ) {
    const keys = new Set([
      ...Object.keys(pg.parsers),
      ...Object.keys(pg.serializers),
      ...[...typeInfo.keys()].map(String),
    ]);
    this.identity = Object.fromEntries([...keys].map((k) => [k, (x: string) => x]));
  }

  async handle(operation: string, body: Record<string, unknown>): Promise<unknown> {
    if (this.closing) {
      throw new DataApiFault('ServiceUnavailableError', 503, 'The local Data API endpoint is stopping.');
    }
    if (this.resumingRequests > 0) {
      this.resumingRequests--;
      throw new DataApiFault(
        'DatabaseResumingException',
        400,
        `The Aurora DB instance ${LOCAL_CLUSTER_ARN.split(':').pop()} is resuming after being auto-paused. ` +
          'Please wait a few seconds and try again.',
      );
    }
    switch (operation) {
      case '/Execute':
        return this.execute(body);
      case '/BatchExecute':
        return this.batchExecute(body);
      case '/BeginTransaction':
        return this.begin(body);
      case '/CommitTransaction':
        return this.end(body, 'COMMIT');
      case '/RollbackTransaction':
        return this.end(body, 'ROLLBACK');
      case '/ExecuteSql':
        throw badRequest('ExecuteSql is deprecated and not supported; use ExecuteStatement.');
      default:
        throw new DataApiFault('UnknownOperationException', 404, `Unknown operation ${operation}.`);
    }
  }

  private checkTarget(body: Record<string, unknown>, withDatabase: boolean): void {
    if (body.resourceArn !== LOCAL_CLUSTER_ARN) {
      throw badRequest(
        `Invalid resourceArn ${JSON.stringify(body.resourceArn)}: the local endpoint serves only ${LOCAL_CLUSTER_ARN}.`,
      );
    }
    if (body.secretArn !== LOCAL_SECRET_ARN) {
      throw badRequest(
        `Invalid secretArn ${JSON.stringify(body.secretArn)}: the local endpoint accepts only ${LOCAL_SECRET_ARN}.`,
      );
    }
    if (withDatabase && body.database !== undefined && body.database !== LOCAL_DATABASE) {
      throw badRequest(
        `Database ${JSON.stringify(body.database)} does not exist; the local database is ${LOCAL_DATABASE}.`,
      );
    }
  }

  private statement(body: Record<string, unknown>): PreparedStatement {
    if (typeof body.sql !== 'string' || body.sql.trim() === '')
      throw badRequest('sql is required and must not be empty.');
    if (body.schema !== undefined)
      throw badRequest('The schema parameter is not supported for Aurora PostgreSQL.');
    return toPositional(body.sql);
  }

  /** Runs `work` holding the session: inside the named transaction, or as a statement of its own. */
  private async withSession<T>(
    transactionId: unknown,
    work: (inTransaction: boolean) => Promise<T>,
  ): Promise<T> {
    if (transactionId !== undefined && transactionId !== null) {
      const tx = this.transaction(transactionId);
      await this.acquireTransaction(tx);
      this.touch(tx);
      try {
        return await work(true);
      } finally {
        if (this.transactions.has(tx.id)) this.touch(tx);
      }
    }
    const owner = `statement-${++this.statementCounter}`;
    await this.owner.acquire(owner);
    try {
      return await work(false);
    } finally {
      try {
        // A statement such as BEGIN must not leave the shared session inside a transaction.
        if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
      } finally {
        this.owner.release(owner);
      }
    }
  }

  private run(statement: PreparedStatement, parameters: SqlParameter[] | undefined): Promise<Results> {
    const { values, paramTypes } = bindAll(statement, parameters);
    return this.pg.query(statement.sql, values, {
      paramTypes,
      parsers: this.identity,
      serializers: this.identity,
    });
  }

  private async execute(body: Record<string, unknown>) {
    this.checkTarget(body, true);
    const statement = this.statement(body);
    const parameters = this.parameterList(body.parameters, 'parameters');
    const format = body.formatRecordsAs ?? 'NONE';
    if (format !== 'NONE' && format !== 'JSON')
      throw badRequest(`formatRecordsAs must be NONE or JSON, got ${String(format)}.`);
    const options = (body.resultSetOptions ?? {}) as ResultSetOptions;
    const result = await this.withSession(body.transactionId, async () => {
      try {
        return await this.run(statement, parameters);
      } catch (err) {
        throw databaseFault(err);
      }
    });
    const formatter = new ResultFormatter(this.typeInfo, options);
    const hasResultSet = result.fields.length > 0;
    const response: Record<string, unknown> = {
      numberOfRecordsUpdated: result.affectedRows ?? 0,
      generatedFields: [],
    };
    const rows = result.rows as Record<string, string | null>[];
    const fields = result.fields;
    if (hasResultSet) {
      if (format === 'JSON') {
        const names = fields.map((f) => JSON.stringify(f.name));
        response.formattedRecords = `[${rows
          .map(
            (row) =>
              `{${fields.map((f, i) => `${names[i]}:${formatter.json(row[f.name], f.dataTypeID)}`).join(',')}}`,
          )
          .join(',')}]`;
      } else {
        response.records = rows.map((row) => fields.map((f) => formatter.field(row[f.name], f.dataTypeID)));
      }
      if (body.includeResultMetadata === true) response.columnMetadata = formatter.metadata(fields);
    }
    return response;
  }

  private async batchExecute(body: Record<string, unknown>) {
    this.checkTarget(body, true);
    const statement = this.statement(body);
    const raw = body.parameterSets ?? [];
    if (!Array.isArray(raw)) throw badRequest('parameterSets must be a list of parameter lists.');
    const sets = raw.map((set, i) => this.parameterList(set, `parameterSets[${i}]`) ?? []);
    if (sets.length === 0) sets.push([]);
    // Every set is bound before the database is touched, so a malformed set fails the request cleanly.
    const bound = sets.map((set) => bindAll(statement, set));
    await this.withSession(body.transactionId, async (inTransaction) => {
      // Without a transaction the whole request is one implicit transaction: all sets or none.
      if (!inTransaction) await this.pg.exec('BEGIN');
      try {
        await this.runBatch(statement.sql, bound);
        if (!inTransaction) await this.pg.exec('COMMIT');
      } catch (err) {
        if (!inTransaction && this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
        throw err;
      }
    });
    return { updateResults: sets.map(() => ({ generatedFields: [] })) };
  }

  /**
   * Runs one statement for many parameter sets with the extended query protocol in one round trip
   * to PGlite: one Parse (again only when the parameter types change), then Bind and Execute per
   * set, then Sync. Much faster than one query per set; the result is the same.
   */
  private async runBatch(sql: string, sets: ReturnType<typeof bindAll>[]): Promise<void> {
    const messages: Uint8Array[] = [];
    let signature: string | undefined;
    for (const set of sets) {
      const types = set.paramTypes.join(',');
      if (types !== signature) {
        messages.push(serialize.parse({ text: sql, types: set.paramTypes }));
        signature = types;
      }
      messages.push(serialize.bind({ values: set.values }), serialize.execute({}));
    }
    messages.push(serialize.sync());
    const buffer = new Uint8Array(messages.reduce((n, m) => n + m.length, 0));
    let offset = 0;
    for (const m of messages) {
      buffer.set(m, offset);
      offset += m.length;
    }
    const result = await this.pg.runExclusive(() => this.pg.execProtocol(buffer, { throwOnError: false }));
    let completed = 0;
    for (const message of result.messages) {
      if (message.name === 'commandComplete') completed++;
      if (message.name === 'error') {
        const fault = databaseFault(message);
        if (sets.length > 1) fault.message = `${fault.message} (parameter set ${completed})`;
        throw fault;
      }
    }
  }

  private parameterList(value: unknown, where: string): SqlParameter[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw badRequest(`${where} must be a list of parameters.`);
    return value as SqlParameter[];
  }

  private async begin(body: Record<string, unknown>) {
    this.checkTarget(body, true);
    if (body.schema !== undefined)
      throw badRequest('The schema parameter is not supported for Aurora PostgreSQL.');
    const id = randomBytes(96).toString('base64');
    await this.owner.acquire(id);
    try {
      await this.pg.exec('BEGIN');
    } catch (err) {
      this.owner.release(id);
      throw databaseFault(err);
    }
    const tx: OpenTransaction = { id, timer: setTimeout(() => undefined, 0) };
    this.transactions.set(id, tx);
    this.touch(tx);
    return { transactionId: id };
  }

  private async end(body: Record<string, unknown>, command: 'COMMIT' | 'ROLLBACK') {
    this.checkTarget(body, false);
    const tx = this.transaction(body.transactionId);
    await this.acquireTransaction(tx);
    await this.finish(tx, command);
    return { transactionStatus: command === 'COMMIT' ? 'Transaction Committed' : 'Rollback Complete' };
  }

  private async finish(tx: OpenTransaction, command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    clearTimeout(tx.timer);
    this.transactions.delete(tx.id);
    this.ended.add(tx.id);
    try {
      await this.pg.exec(command);
    } catch (err) {
      if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
      throw databaseFault(err);
    } finally {
      this.owner.release(tx.id);
    }
  }

  /** Waits for the session on behalf of `tx`; fails (holding nothing) if it ended meanwhile. */
  private async acquireTransaction(tx: OpenTransaction): Promise<void> {
    await this.owner.acquire(tx.id);
    if (!this.transactions.has(tx.id)) {
      this.owner.release(tx.id);
      throw this.notFound(tx.id);
    }
  }

  private transaction(id: unknown): OpenTransaction {
    if (typeof id !== 'string' || id === '') throw badRequest('transactionId is required.');
    const tx = this.transactions.get(id);
    if (!tx) throw this.notFound(id);
    return tx;
  }

  private notFound(id: string): DataApiFault {
    const short = id.length > 24 ? `${id.slice(0, 24)}...` : id;
    return badRequest(
      this.ended.has(id)
        ? `Transaction ${short} is not found: it was committed, rolled back, or expired after being idle.`
        : `Transaction ${short} is not found.`,
    );
  }

  private touch(tx: OpenTransaction): void {
    clearTimeout(tx.timer);
    tx.timer = setTimeout(() => {
      // Expiry waits for the session like any request, then rolls the transaction back.
      void this.owner.acquire(tx.id).then(async () => {
        if (!this.transactions.has(tx.id)) {
          this.owner.release(tx.id);
          return;
        }
        await this.finish(tx, 'ROLLBACK').catch(() => undefined);
      });
    }, this.transactionTimeoutMs);
    tx.timer.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const tx of [...this.transactions.values()]) {
      await this.owner.acquire(tx.id);
      if (this.transactions.has(tx.id)) await this.finish(tx, 'ROLLBACK').catch(() => undefined);
      else this.owner.release(tx.id);
    }
  }
}

async function loadTypeInfo(pg: PGlite): Promise<Map<number, TypeInfo>> {
  const result = await pg.query<{ oid: number; typname: string; typelem: number }>(
    'SELECT oid::int AS oid, typname, typelem::int AS typelem FROM pg_type',
  );
  return new Map(result.rows.map((r) => [r.oid, { name: r.typname, elem: r.typelem }]));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > REQUEST_LIMIT_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () =>
      tooLarge
        ? reject(
            badRequest(
              `Request size ${size} bytes exceeds the Data API limit of ${REQUEST_LIMIT_BYTES} bytes (4 MiB).`,
            ),
          )
        : resolve(Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

/** Sends a JSON body: an object, or text already serialized (large results are serialized once). */
function send(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomBytes(16).toString('hex'),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Starts the local Data API endpoint over `pg`. Sessions run in UTC, as Data API sessions do.
 * Requests are served one at a time on the one PGlite session; a transaction holds the session until
 * it is committed, rolled back or expires.
 */
export async function startDataApiServer(options: DataApiServerOptions): Promise<DataApiServer> {
  const { pg } = options;
  const owner = sessionOwner(pg);
  await pg.waitReady;
  await owner.acquire('setup');
  let typeInfo: Map<number, TypeInfo>;
  try {
    await pg.exec("SET TIME ZONE 'UTC'");
    typeInfo = await loadTypeInfo(pg);
  } finally {
    owner.release('setup');
  }
  const handler = new DataApiHandler(
    pg,
    owner,
    typeInfo,
    options.transactionTimeoutMs ?? TRANSACTION_IDLE_TIMEOUT_MS,
  );

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'POST')
          throw new DataApiFault('UnknownOperationException', 404, `${req.method} is not supported.`);
        const raw = await readBody(req);
        let body: Record<string, unknown>;
        try {
          const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
            throw new Error('not an object');
          body = parsed as Record<string, unknown>;
        } catch {
          throw new DataApiFault('SerializationException', 400, 'The request body is not a JSON object.');
        }
        const path = (req.url ?? '/').split('?')[0];
        const result = await handler.handle(path, body);
        const text = JSON.stringify(result);
        const size = Buffer.byteLength(text);
        if (size > RESPONSE_LIMIT_BYTES) {
          throw badRequest(
            `Database returned more than the allowed response size limit (${size} bytes > 1 MiB). ` +
              'Select fewer rows or columns, or page with LIMIT/OFFSET.',
          );
        }
        send(res, 200, text);
      } catch (err) {
        const fault = databaseFault(err);
        send(res, fault.status, { message: fault.message }, fault.type);
      }
    })();
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    port: address.port,
    simulateResuming(requests: number) {
      if (!Number.isInteger(requests) || requests < 0) {
        throw new RangeError(`simulateResuming: requests must be a whole number >= 0, got ${requests}.`);
      }
      handler.resumingRequests = requests;
    },
    async close() {
      await handler.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** An SDK client for a local endpoint: any credentials and region work there. */
export function localDataApiClient(endpoint: string): RDSDataClient {
  return new RDSDataClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** The platform's `Database` layer over the real SDK client, pointed at a local endpoint. */
export function localDatabase(
  endpoint: string,
  retry?: RetryOptions,
): { db: Database; client: RDSDataClient } {
  const client = localDataApiClient(endpoint);
  const db = createDatabase({
    resourceArn: LOCAL_CLUSTER_ARN,
    secretArn: LOCAL_SECRET_ARN,
    database: LOCAL_DATABASE,
    client,
    retry,
  });
  return { db, client };
}
