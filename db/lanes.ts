import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  QueryCompiler,
  TransactionSettings,
} from 'kysely';

/**
 * Two lanes to the database: work someone waits for (a payment and the case that answers it) is
 * `urgent` and runs before any queued `bulk` work (an import's rounds, the openings it starts).
 * PostgreSQL's pool hands its connections out by lane (LanedDialect); the embedded PGlite, which
 * runs one statement at a time, picks its next statement by lane (db/pglite-thread.ts). Without
 * lanes a payment's queries queued behind every query an import had already asked for.
 */
const lane = new AsyncLocalStorage<'urgent'>();

/** Runs `work` with every query it makes, however deep, in the urgent lane. */
export function urgently<T>(work: () => Promise<T>): Promise<T> {
  return lane.run('urgent', work);
}

/** Whether the caller runs inside `urgently` (a database driver asks, to pick the lane). */
export function inUrgentLane(): boolean {
  return lane.getStore() === 'urgent';
}

/** `work` in the urgent lane when `urgent`, else in the lane it was called from. */
export function urgentlyIf<T>(urgent: boolean | undefined, work: () => Promise<T>): Promise<T> {
  return urgent ? urgently(work) : work();
}

/** Hands out `slots` connections, the urgent lane's waiters first, each lane in order of asking. */
export class LaneGate {
  private readonly waiting = { urgent: [] as (() => void)[], bulk: [] as (() => void)[] };

  constructor(private free: number) {}

  enter(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    const queue = inUrgentLane() ? this.waiting.urgent : this.waiting.bulk;
    return new Promise((resolve) => queue.push(resolve));
  }

  leave(): void {
    const next = this.waiting.urgent.shift() ?? this.waiting.bulk.shift();
    if (next) next();
    else this.free++;
  }
}

/** A driver whose connections are handed out through a LaneGate; everything else is the inner driver's. */
class LanedDriver implements Driver {
  readonly savepoint?: Driver['savepoint'];
  readonly rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  readonly releaseSavepoint?: Driver['releaseSavepoint'];
  private readonly gate: LaneGate;

  constructor(
    private readonly inner: Driver,
    slots: number,
  ) {
    this.gate = new LaneGate(slots);
    this.savepoint = inner.savepoint?.bind(inner);
    this.rollbackToSavepoint = inner.rollbackToSavepoint?.bind(inner);
    this.releaseSavepoint = inner.releaseSavepoint?.bind(inner);
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.gate.enter();
    try {
      return await this.inner.acquireConnection();
    } catch (error) {
      this.gate.leave();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.gate.leave();
    }
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** `dialect` with its connections (`slots`: as many as its pool holds) handed out by lane. */
export class LanedDialect implements Dialect {
  constructor(
    private readonly inner: Dialect,
    private readonly slots: number,
  ) {}

  createDriver(): Driver {
    return new LanedDriver(this.inner.createDriver(), this.slots);
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}
