import { protocol, type PGlite, type Results } from '@electric-sql/pglite';
import type { SessionOwner } from '../connection';
import { LOCAL_CLUSTER_ARN, LOCAL_DATABASE, LOCAL_SECRET_ARN } from './constants';
import { badRequest, databaseFault, DataApiFault } from './errors';
import {
  bindAll,
  parameterList,
  prepareStatement,
  type BoundParameters,
  type PreparedStatement,
} from './parameters';
import { ResultFormatter, type TypeInfo } from './results';
import { Transactions } from './transactions';
import type { ResultSetOptions, SqlParameter } from './wire';

/**
 * The Data API operations, by request path: ExecuteStatement (`/Execute`), BatchExecuteStatement
 * (`/BatchExecute`), BeginTransaction, CommitTransaction, RollbackTransaction, with the documented
 * request and response shapes and error types
 * (https://docs.aws.amazon.com/rdsdataservice/latest/APIReference/API_Operations.html).
 */

const serialize = protocol.serialize;

export class DataApiOperations {
  private readonly transactions: Transactions;
  private readonly identity: Record<string, (x: string) => string>;
  private closing = false;
  /** Requests still to refuse with DatabaseResumingException. */
  resumingRequests = 0;

  constructor(
    private readonly pg: PGlite,
    owner: SessionOwner,
    private readonly typeInfo: Map<number, TypeInfo>,
    transactionTimeoutMs: number,
  ) {
    this.transactions = new Transactions(pg, owner, transactionTimeoutMs);
    // Values stay Postgres text both ways: the formatter decides how each type is returned.
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
        this.checkTarget(body, true);
        if (body.schema !== undefined)
          throw badRequest('The schema parameter is not supported for Aurora PostgreSQL.');
        return { transactionId: await this.transactions.begin() };
      case '/CommitTransaction':
        this.checkTarget(body, false);
        await this.transactions.end(body.transactionId, 'COMMIT');
        return { transactionStatus: 'Transaction Committed' };
      case '/RollbackTransaction':
        this.checkTarget(body, false);
        await this.transactions.end(body.transactionId, 'ROLLBACK');
        return { transactionStatus: 'Rollback Complete' };
      case '/ExecuteSql':
        throw badRequest('ExecuteSql is deprecated and not supported; use ExecuteStatement.');
      default:
        throw new DataApiFault('UnknownOperationException', 404, `Unknown operation ${operation}.`);
    }
  }

  /** Stops taking requests and rolls back open transactions. */
  async close(): Promise<void> {
    this.closing = true;
    await this.transactions.close();
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
    const statement = prepareStatement(body);
    const parameters = parameterList(body.parameters, 'parameters');
    const format = body.formatRecordsAs ?? 'NONE';
    if (format !== 'NONE' && format !== 'JSON')
      throw badRequest(`formatRecordsAs must be NONE or JSON, got ${String(format)}.`);
    const options = (body.resultSetOptions ?? {}) as ResultSetOptions;
    const result = await this.transactions.withSession(body.transactionId, async () => {
      try {
        return await this.run(statement, parameters);
      } catch (err) {
        throw databaseFault(err);
      }
    });
    return new ResultFormatter(this.typeInfo, options).response(
      result,
      format,
      body.includeResultMetadata === true,
    );
  }

  private async batchExecute(body: Record<string, unknown>) {
    this.checkTarget(body, true);
    const statement = prepareStatement(body);
    const raw = body.parameterSets ?? [];
    if (!Array.isArray(raw)) throw badRequest('parameterSets must be a list of parameter lists.');
    const sets = raw.map((set, i) => parameterList(set, `parameterSets[${i}]`) ?? []);
    if (sets.length === 0) sets.push([]);
    // Every set is bound before the database is touched, so a malformed set fails the request cleanly.
    const bound = sets.map((set) => bindAll(statement, set));
    await this.transactions.withSession(body.transactionId, async (inTransaction) => {
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
  private async runBatch(sql: string, sets: readonly BoundParameters[]): Promise<void> {
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
}
