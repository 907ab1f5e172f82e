import type { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { pingDatabase, type Database } from '../db/database.js';

export type Status = 'up' | 'down';
export interface HealthReport {
  database: Status;
  temporal: Status;
}

const PROBE_EVERY_MS = 2_000;
const PROBE_TIMEOUT_MS = 1_500;
/**
 * A dependency that refuses the connection is down at once; one that only answers late is busy
 * (a bulk import on two cores), and counts as down after this many late answers in a row.
 */
const LATE_ANSWERS_FOR_DOWN = 3;

class Late extends Error {}

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Late(`no answer within ${ms} ms`)), ms)),
  ]);

/** gRPC DEADLINE_EXCEEDED: the server is there but did not answer in time. */
const GRPC_DEADLINE_EXCEEDED = 4;
const isLate = (error: unknown) =>
  error instanceof Late || (error as { code?: unknown } | null)?.code === GRPC_DEADLINE_EXCEEDED;

type Probe = 'up' | 'late' | 'refused';

function statusAfter(probe: Probe, lateInARow: number, last: Status): Status {
  if (probe === 'up') return 'up';
  if (probe === 'refused' || lateInARow >= LATE_ANSWERS_FOR_DOWN) return 'down';
  // Late, but not often enough in a row to call it down: busy, as it was.
  return last;
}
const answered = (): Probe => 'up';
const failed = (error: unknown): Probe => (isLate(error) ? 'late' : 'refused');

/**
 * Probes the database and Temporal every two seconds, so `/health` and `/ready` answer at once and
 * API calls that need Temporal fail fast (503) while it is down instead of hanging in gRPC retries.
 */
export class ServiceHealth {
  private last: HealthReport = { database: 'up', temporal: 'up' };
  private lateInARow = { database: 0, temporal: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  get report(): HealthReport {
    return this.last;
  }

  start(): void {
    const tick = () => {
      void this.probe().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, PROBE_EVERY_MS);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async probe(): Promise<HealthReport> {
    const [database, temporal] = await Promise.all([
      within(PROBE_TIMEOUT_MS, pingDatabase(this.db)).then(answered, failed),
      this.connection
        .withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => this.connection.healthService.check({}))
        .then(answered, failed),
    ]);
    const probes = { database, temporal };
    const next = { ...this.last };
    for (const part of ['database', 'temporal'] as const) {
      this.lateInARow[part] = probes[part] === 'late' ? this.lateInARow[part] + 1 : 0;
      const status = statusAfter(probes[part], this.lateInARow[part], this.last[part]);
      if (status !== this.last[part]) this.logger.warn({ [part]: status }, `${part} is ${status}`);
      next[part] = status;
    }
    this.last = next;
    return next;
  }
}
