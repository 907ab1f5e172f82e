import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../config/logger.js';
import { EmbeddedTemporal } from '../runtime/supervised-temporal.js';
import { temporalExecutable } from '../runtime/temporal.js';
import { eventually } from './setup/eventually.js';
import { expectOneMessageEach, openEmailCases, whenDelivered } from './setup/fault.js';
import { startProduct, type RunningProduct } from './setup/harness.js';
import { unusedPort } from './setup/ports.js';

const CASES = 100;

/**
 * Fault tier: the product's own Temporal server is SIGKILLed while 100 reminders go out. The
 * supervisor (runtime/supervised-temporal.ts) starts it again on the same SQLite file; the worker
 * and the client reconnect; sends whose completion was lost run again and find their message
 * already handed over (outbox), so every case goes on and each sends exactly one e-mail.
 */
describe('[fault tier] the embedded Temporal server SIGKILLed during 100 sends', () => {
  let server: EmbeddedTemporal;
  let product: RunningProduct;

  beforeAll(async () => {
    const executable = await temporalExecutable(process.env.TEMPORAL_CLI_PATH, createLogger('warn'));
    if (executable.type !== 'existing-path') throw new Error('the tests need the Temporal CLI in .tools');
    server = await EmbeddedTemporal.start({
      cliPath: executable.path,
      port: await unusedPort(),
      uiPort: await unusedPort(),
      namespace: 'default',
      dbFilename: path.join(mkdtempSync(path.join(tmpdir(), 'mahnwerk-fault-temporal-')), 'temporal.sqlite'),
      codecEndpoint: 'http://localhost:1/codec',
      logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    });
    product = await startProduct(server.address, 'pglite');
  });
  afterAll(async () => {
    await product?.stop();
    await server?.stop();
  });

  it('is restarted; every case continues and sends exactly one message', { timeout: 240_000 }, async () => {
    const outbox = product.devOutbox!;
    const ids = Array.from({ length: CASES }, (_, i) => `fault-t-${i}`);
    // The cases keep coming while Temporal is down (the API answers 503, billing retries).
    const opening = openEmailCases(product, ids);
    await whenDelivered(outbox, 5);

    const firstPid = server.pid!;
    process.kill(firstPid, 'SIGKILL');
    const deliveredAtKill = outbox.messages().length;
    await opening;
    const ready = await eventually(
      async () => (await (await fetch(`${product.apiUrl}/ready`)).json()) as { temporal: string },
      // The health report may still be the one from before the kill: wait for the restart as well.
      (r) => r.temporal === 'up' && server.restarts === 1,
      60_000,
    );
    expect(ready.temporal).toBe('up');
    expect(server.restarts).toBe(1);
    expect(server.pid).not.toBe(firstPid);
    console.info(`fault test: Temporal killed after ${deliveredAtKill} of ${CASES} e-mails; restarted once`);

    await expectOneMessageEach(product, product.db, outbox, ids);
  });
});
