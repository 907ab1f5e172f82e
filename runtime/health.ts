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

const within = <T>(ms: number, work: Promise<T>): Promise<T> =>
  Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)),
  ]);

/**
 * Probes the database and Temporal every two seconds, so `/health` and `/ready` answer at once and
 * API calls that need Temporal fail fast (503) while it is down instead of hanging in gRPC retries.
 */
export class ServiceHealth {
  private last: HealthReport = { database: 'up', temporal: 'up' };
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
      within(PROBE_TIMEOUT_MS, pingDatabase(this.db)).then(up, down),
      this.connection
        .withDeadline(Date.now() + PROBE_TIMEOUT_MS, () => this.connection.healthService.check({}))
        .then(up, down),
    ]);
    const next = { database, temporal };
    for (const part of ['database', 'temporal'] as const) {
      if (next[part] !== this.last[part])
        this.logger.warn({ [part]: next[part] }, `${part} is ${next[part]}`);
    }
    this.last = next;
    return next;
  }
}

const up = (): Status => 'up';
const down = (): Status => 'down';
