import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectOneMessageEach, openEmailCases, whenDelivered } from './setup/fault.js';
import { startProduct, type RunningProduct } from './setup/harness.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from './setup/throwaway-postgres.js';

const CASES = 100;
const OUTAGE_MS = 20_000;
const HOW_TO_RUN =
  'MAHNWERK_TEST_DATABASE_URL=$(bash scripts/test-postgres.sh) npx vitest run test/fault-postgres-outage.test.ts';
/** Like the other PostgreSQL tests it runs where CI provides PostgreSQL, but on a server of its own. */
const postgres = Boolean(process.env.MAHNWERK_TEST_DATABASE_URL);
if (!postgres) {
  console.warn(`test/fault-postgres-outage.test.ts skipped: it needs PostgreSQL. Run it with ${HOW_TO_RUN}`);
}

/**
 * Fault tier: PostgreSQL is stopped for 20 seconds while 100 reminders go out. Sends, API calls
 * and workflow activities fail while it is away and are retried (billing retries the 503s);
 * afterwards nothing is lost and nothing is doubled.
 */
describe.skipIf(!postgres)('[fault tier] PostgreSQL stopped for 20 s during 100 sends', () => {
  let database: ThrowawayPostgres;
  let product: RunningProduct;

  beforeAll(async () => {
    database = await startThrowawayPostgres();
    product = await startProduct(inject('temporalAddress'), 'pglite', { databaseUrl: database.url });
  });
  afterAll(async () => {
    await product?.stop();
    await database?.destroy();
  });

  it('nothing is lost and nothing doubled after it returns', { timeout: 240_000 }, async () => {
    const outbox = product.devOutbox!;
    const ids = Array.from({ length: CASES }, (_, i) => `fault-pg-${i}`);
    const opening = openEmailCases(product, ids);
    await whenDelivered(outbox, 5);

    await database.stop();
    const deliveredAtStop = outbox.messages().length;
    // The outage itself: this is the fault being simulated, not a wait for a result.
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const deliveredDuring = outbox.messages().length - deliveredAtStop;
    await database.start();
    await opening;
    console.info(
      `fault test: PostgreSQL stopped after ${deliveredAtStop} of ${CASES} e-mails for ${OUTAGE_MS / 1000} s (${deliveredDuring} handed over meanwhile)`,
    );

    await expectOneMessageEach(product, product.db, outbox, ids);
    expect(outbox.messages()).toHaveLength(CASES);
  });
});
