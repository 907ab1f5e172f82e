import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { Logger } from 'pino';
import { searchAttributeDefinitions } from '../domain/search-attributes.js';

/**
 * One partition per task queue: the server then hands out tasks strictly by priority (with several,
 * only roughly), so a payment overtakes a bulk import (client/cases.ts).
 */
export const STRICT_PRIORITY_ARGS = [
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

export interface EmbeddedTemporalOptions {
  cliPath: string;
  port: number;
  uiPort: number;
  namespace: string;
  dbFilename: string;
  /** The Web UI decodes payloads here (our codec server). */
  codecEndpoint: string;
  logger: Logger;
  /** The wait before the first restart; it doubles per crash up to 30 s. */
  firstBackoffMs?: number;
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A run that lasted this long was healthy: the next crash starts the backoff from the beginning. */
const STABLE_RUN_MS = 60_000;
const START_TIMEOUT_MS = 30_000;

/**
 * The embedded Temporal dev server, supervised: when its process exits (crash, OOM kill), it is
 * started again with exponential backoff on the same SQLite file and ports, so the history is
 * intact and clients and workers reconnect on their own.
 */
export class EmbeddedTemporal {
  private child: ChildProcess | undefined;
  private stopping = false;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  /** How often the server was started again after an exit. */
  restarts = 0;

  private constructor(private readonly options: EmbeddedTemporalOptions) {
    this.backoffMs = options.firstBackoffMs ?? FIRST_BACKOFF_MS;
  }

  static async start(options: EmbeddedTemporalOptions): Promise<EmbeddedTemporal> {
    const server = new EmbeddedTemporal(options);
    server.spawn();
    await waitForPort(options.port, START_TIMEOUT_MS);
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }

  private spawn(): void {
    const o = this.options;
    const args = [
      'server',
      'start-dev',
      ...['--ip', '127.0.0.1', '--port', String(o.port), '--ui-port', String(o.uiPort)],
      ...['--namespace', o.namespace, '--db-filename', o.dbFilename, '--log-level', 'warn'],
      ...['--ui-codec-endpoint', o.codecEndpoint],
      ...STRICT_PRIORITY_ARGS,
      ...Object.entries(searchAttributeDefinitions).flatMap(([name, type]) => [
        '--search-attribute',
        `${name}=${type}`,
      ]),
    ];
    const child = spawn(o.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) =>
      o.logger.debug({ temporal: chunk.toString().trim() }, 'temporal'),
    );
    const startedAt = Date.now();
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      if (Date.now() - startedAt > STABLE_RUN_MS) this.backoffMs = o.firstBackoffMs ?? FIRST_BACKOFF_MS;
      const delayMs = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
      o.logger.error(
        { code, signal, restartInMs: delayMs, dbFilename: o.dbFilename },
        'the embedded Temporal server exited; restarting it',
      );
      this.restartTimer = setTimeout(() => {
        this.restarts += 1;
        this.spawn();
        waitForPort(o.port, START_TIMEOUT_MS).then(
          () => o.logger.info({ restarts: this.restarts }, 'the embedded Temporal server is back'),
          (error: unknown) => o.logger.error({ err: error }, 'the restarted Temporal server does not answer'),
        );
      }, delayMs);
    });
  }
}

/** Resolves once something accepts TCP connections on the loopback port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing answers on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
