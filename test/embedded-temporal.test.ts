import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../config/logger.js';
import { EmbeddedTemporal } from '../runtime/supervised-temporal.js';
import { temporalExecutable } from '../runtime/temporal.js';
import { eventually } from './setup/eventually.js';
import { startProduct, type RunningProduct } from './setup/harness.js';
import { unusedPort } from './setup/ports.js';

let server: EmbeddedTemporal;
let product: RunningProduct;

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
    // Long enough that the API is seen answering while Temporal is down.
    firstBackoffMs: 6_000,
  });
  product = await startProduct(server.address);
});
afterAll(async () => {
  await product?.stop();
  await server?.stop();
});

const ready = async () => {
  const response = await fetch(`${product.apiUrl}/ready`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const debtor = { name: 'Kurt Ausfall', locale: 'de', timezone: 'Europe/Berlin', email: 'kurt@example.com' };

describe('the supervised embedded Temporal server', () => {
  it('after a SIGKILL: billing gets a fast 503 with Retry-After, /ready says why; then it is back on the same SQLite file', async () => {
    // A workflow nobody runs stays open, stored in SQLite.
    const raw = new Client({ connection: product.client.connection, namespace: 'default' });
    await raw.workflow.start('nobodyRunsThis', { workflowId: 'survivor', taskQueue: 'nobody', args: [] });
    expect(await ready()).toMatchObject({ status: 200, body: { database: 'up', temporal: 'up' } });
    const firstPid = server.pid!;

    process.kill(firstPid, 'SIGKILL');
    expect(await eventually(ready, (r) => r.status === 503)).toMatchObject({
      status: 503,
      body: { ready: false, database: 'up', temporal: 'down' },
    });
    const health = (await (await fetch(`${product.apiUrl}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, database: 'up', temporal: 'down' });
    const started = Date.now();
    const refused = await fetch(`${product.apiUrl}/v1/debtors/down-1`, {
      method: 'PUT',
      headers: { authorization: 'Bearer test-key-0123456789abcdefghij', 'content-type': 'application/json' },
      body: JSON.stringify(debtor),
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(Date.now() - started).toBeLessThan(3_000);

    expect(await eventually(ready, (r) => r.status === 200)).toMatchObject({ status: 200 });
    expect(server.restarts).toBe(1);
    expect(server.pid).not.toBe(firstPid);
    expect((await raw.workflow.getHandle('survivor').describe()).status.name).toBe('RUNNING');
    expect((await product.request('PUT', '/v1/debtors/down-1', debtor)).status).toBe(201);
  });
});
