import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../config/logger.js';
import { EmbeddedTemporal } from '../runtime/supervised-temporal.js';
import { temporalExecutable } from '../runtime/temporal.js';
import { eventually } from './setup/eventually.js';
import { unusedPort } from './setup/ports.js';

let server: EmbeddedTemporal;
let connection: Connection;

beforeAll(async () => {
  const executable = await temporalExecutable(process.env.TEMPORAL_CLI_PATH, createLogger('warn'));
  if (executable.type !== 'existing-path') throw new Error('the tests need the Temporal CLI in .tools');
  const dir = mkdtempSync(path.join(tmpdir(), 'mahnwerk-embedded-'));
  server = await EmbeddedTemporal.start({
    cliPath: executable.path,
    port: await unusedPort(),
    uiPort: await unusedPort(),
    namespace: 'default',
    dbFilename: path.join(dir, 'temporal.sqlite'),
    codecEndpoint: 'http://localhost:1/codec',
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  connection = await Connection.connect({ address: server.address });
});
afterAll(async () => {
  await connection?.close();
  await server?.stop();
});

describe('the supervised embedded Temporal server', () => {
  it('is restarted after a SIGKILL, on the same SQLite file: the client reconnects and finds its workflow', async () => {
    const client = new Client({ connection, namespace: 'default' });
    // No worker polls this queue: the workflow just stays open, stored in SQLite.
    await client.workflow.start('nobodyRunsThis', { workflowId: 'survivor', taskQueue: 'nobody', args: [] });
    const firstPid = server.pid!;

    process.kill(firstPid, 'SIGKILL');
    const restarted = await eventually(
      async () => ({ restarts: server.restarts, pid: server.pid }),
      (s) => s.restarts === 1,
    );
    expect(restarted.pid).not.toBe(firstPid);

    const described = await eventually(
      () =>
        client.workflow
          .getHandle('survivor')
          .describe()
          .then((d) => d.status.name as string)
          .catch(() => 'unreachable'),
      (status) => status !== 'unreachable',
    );
    expect(described).toBe('RUNNING');
  });
});
