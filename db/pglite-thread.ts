import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { inUrgentLane } from './lanes.js';

/**
 * The embedded PGlite on a thread of its own. PGlite runs each statement synchronously in
 * WebAssembly: on the main thread a bulk import's statements held up everything else the process
 * does (the API's answers, the worker's workflow and local-activity hand-offs), so a payment's case
 * waited seconds for its turn on the event loop.
 *
 * Every caller posts its statements at once; the thread runs them one at a time and picks the next:
 * the open transaction's next statement while one is open (nothing else runs inside it), otherwise
 * the urgent lane's oldest statement, then the bulk lane's (db/lanes.ts). Statements outside a
 * transaction thus queue in the thread, not behind a connection handed out one caller at a time.
 *
 * The thread is plain JavaScript evaluated from this string, so it runs without the TypeScript
 * loader; it gets PGlite's module URL, the data directory and the settings.
 */
const threadScript = `
const { parentPort, workerData } = require('node:worker_threads');
const INT8_OID = 20;
const DATE_OID = 1082;
const queued = { urgent: [], bulk: [] };
let openTransaction;
let running = false;
let db;

function next() {
  if (openTransaction === undefined) return queued.urgent.shift() ?? queued.bulk.shift();
  for (const lane of [queued.urgent, queued.bulk]) {
    const i = lane.findIndex((s) => s.transaction === openTransaction);
    if (i >= 0) return lane.splice(i, 1)[0];
  }
}

async function run({ id, sql, parameters, transaction, begins, ends }) {
  if (sql === undefined) {
    await db.close();
    return { id };
  }
  if (begins) openTransaction = transaction;
  try {
    const { rows, affectedRows } = await db.query(sql, parameters);
    if (ends) openTransaction = undefined;
    return { id, rows, affectedRows };
  } catch (error) {
    // A failed begin opened nothing; a failed commit or rollback ended the transaction anyway.
    if (begins || ends) openTransaction = undefined;
    const { message, code, detail, hint, constraint, table, column } = error;
    return { id, error: { message, code, detail, hint, constraint, table, column } };
  }
}

// Statements that arrived while one ran are delivered first (a loop turn), so the pick sees them all.
const delivered = () => new Promise((resolve) => setImmediate(resolve));

async function drain() {
  if (running || !db) return;
  running = true;
  for (let statement = next(); statement; await delivered(), statement = next()) {
    parentPort.postMessage(await run(statement));
  }
  running = false;
}

parentPort.on('message', (statement) => {
  (statement.urgent ? queued.urgent : queued.bulk).push(statement);
  void drain();
});

(async () => {
  const { PGlite } = await import(workerData.pglite);
  db = new PGlite({
    dataDir: workerData.dataDir,
    postgresqlconf: workerData.postgresqlconf,
    // Amounts are bigint in minor units, far below 2^53; due dates stay YYYY-MM-DD calendar days.
    parsers: { [INT8_OID]: (value) => Number(value), [DATE_OID]: (value) => value },
  });
  void drain();
})();
`;

interface Statement {
  /** Undefined: close the database. */
  sql: string | undefined;
  parameters?: readonly unknown[];
  /** The transaction it belongs to; `begins` and `ends` mark its first and last statement. */
  transaction?: number;
  begins?: boolean;
  ends?: boolean;
}

interface Answer {
  id: number;
  rows?: Record<string, unknown>[];
  affectedRows?: number;
  error?: { message: string } & Record<string, unknown>;
}

/** One PGlite on its thread; each statement is answered when the thread has run it. */
class PGliteThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<
    number,
    { resolve: (answer: Answer) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private nextTransaction = 0;
  private failure: Error | undefined;

  constructor(dataDir: string | undefined, postgresqlconf: readonly string[]) {
    this.worker = new Worker(threadScript, {
      eval: true,
      workerData: { pglite: import.meta.resolve('@electric-sql/pglite'), dataDir, postgresqlconf },
    });
    // The thread keeps the process alive only while a statement waits for it.
    this.worker.unref();
    this.worker.on('message', (answer: Answer) => this.settle(answer));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`the embedded database's thread ended (exit code ${code})`)),
    );
  }

  transactionId(): number {
    return this.nextTransaction++;
  }

  async run(statement: Statement): Promise<Answer> {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const answer = new Promise<Answer>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    if (this.waiting.size === 1) this.worker.ref();
    try {
      this.worker.postMessage({ id, urgent: inUrgentLane(), ...statement });
    } catch (error) {
      // A parameter the thread cannot receive (not structured-cloneable): this statement fails alone.
      this.settle({
        id,
        error: { message: `a parameter cannot go to the embedded database: ${String(error)}` },
      });
    }
    return answer;
  }

  private settle(answer: Answer): void {
    const waiter = this.waiting.get(answer.id);
    this.waiting.delete(answer.id);
    if (this.waiting.size === 0) this.worker.unref();
    if (!answer.error) waiter?.resolve(answer);
    else waiter?.reject(Object.assign(new Error(answer.error.message), answer.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.waiting.values()) reject(error);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.run({ sql: undefined });
    await this.worker.terminate();
  }
}

/** A caller's connection: its statements go straight to the thread, tagged with its transaction. */
class PGliteThreadConnection implements DatabaseConnection {
  transaction: number | undefined;

  constructor(private readonly thread: PGliteThread) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.send(query);
  }

  /** A statement of this connection's transaction when it has one; `marks` open or end it. */
  async send<R>(
    query: CompiledQuery,
    marks: Pick<Statement, 'begins' | 'ends'> = {},
  ): Promise<QueryResult<R>> {
    const { rows = [], affectedRows } = await this.thread.run({
      sql: query.sql,
      parameters: query.parameters,
      transaction: this.transaction,
      ...marks,
    });
    return {
      rows: rows as R[],
      ...(affectedRows ? { numAffectedRows: BigInt(affectedRows) } : {}),
    };
  }

  // eslint-disable-next-line require-yield -- no cursor across threads: Mahnwerk never streams a query
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries is not supported by the embedded database');
  }
}

class PGliteThreadDriver implements Driver {
  constructor(private readonly thread: PGliteThread) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new PGliteThreadConnection(this.thread);
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const own = connection as PGliteThreadConnection;
    own.transaction = this.thread.transactionId();
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await own.send(CompiledQuery.raw(`start transaction${isolation}`), { begins: true });
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.end(connection as PGliteThreadConnection, 'commit');
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.end(connection as PGliteThreadConnection, 'rollback');
  }

  private async end(connection: PGliteThreadConnection, how: 'commit' | 'rollback'): Promise<void> {
    try {
      await connection.send(CompiledQuery.raw(how), { ends: true });
    } finally {
      connection.transaction = undefined;
    }
  }

  async destroy(): Promise<void> {
    await this.thread.close();
  }
}

/** PostgreSQL's dialect over an embedded PGlite on its own thread; `dataDir` undefined: in memory. */
export class PGliteThreadDialect implements Dialect {
  private readonly thread: PGliteThread;

  constructor(dataDir: string | undefined, postgresqlconf: readonly string[]) {
    this.thread = new PGliteThread(dataDir, postgresqlconf);
  }

  createDriver(): Driver {
    return new PGliteThreadDriver(this.thread);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
