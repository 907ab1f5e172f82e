import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type SendMessageInput } from '../activities/index.js';
import { recordInvoice, upsertDebtor } from '../db/billing.js';
import { startTestChannels, testActivityDeps, type TestChannels } from './setup/activities.js';
import { zoneInContactWindowNow } from './setup/harness.js';

let channels: TestChannels;
beforeAll(async () => {
  channels = await startTestChannels();
});
afterAll(() => channels?.close());

/** One attempt of the send activity, scheduled now, with the default contact policy (one e-mail a day). */
const attempt = (input: SendMessageInput) =>
  new MockActivityEnvironment({ currentAttemptScheduledTimestampMs: Date.now() }).run(
    createActivities(testActivityDeps(channels.db, channels.mailer)).sendMessage,
    input,
  );

async function openDebtor(id: string, email: string): Promise<SendMessageInput> {
  await upsertDebtor(channels.db, id, {
    name: 'Olga Once',
    locale: 'de',
    timezone: zoneInContactWindowNow(),
    email,
  });
  await recordInvoice(channels.db, id, 'inv-1', {
    currency: 'EUR',
    amountDue: 9900,
    dueDate: '2026-01-15',
    issuedAt: '2026-01-01T08:00:00Z',
  });
  return {
    debtorId: id,
    idempotencyKey: `case-${id}/run/1/reminder/email`,
    channel: 'email',
    template: 'reminder-1',
    stepLabel: 'Reminder',
  };
}

const rowOf = (key: string) =>
  channels.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', key).executeTakeFirstOrThrow();

describe('the send activity sends once per idempotency key', () => {
  it('a retry after the row says sent is done, even though the daily cap now counts this very e-mail', async () => {
    const input = await openDebtor('once-sent', 'sent@example.com');
    expect(await attempt(input)).toEqual({ outcome: 'sent' });
    expect(await attempt(input)).toEqual({ outcome: 'already-sent' });
    expect(channels.outbox.messages().filter((m) => m.to.includes('sent@example.com'))).toHaveLength(1);
  });

  it('a crash between the SMTP hand-over and `sent` leaves the row `sending`: the retry resends the same Message-ID, recognised as one message', async () => {
    const input = await openDebtor('once-crash', 'crash@example.com');
    expect(await attempt(input)).toEqual({ outcome: 'sent' });
    // What a worker killed right after the server's 250 leaves behind.
    await channels.db
      .updateTable('outbox')
      .set({ status: 'sending', sent_at: null })
      .where('idempotency_key', '=', input.idempotencyKey)
      .execute();

    expect(await attempt(input)).toEqual({ outcome: 'sent' });
    const row = await rowOf(input.idempotencyKey);
    expect(row.status).toBe('sent');
    const delivered = channels.outbox.messages().filter((m) => m.to.includes('crash@example.com'));
    expect(delivered.map((m) => m.messageId)).toEqual([row.provider_id]);
    expect(channels.outbox.resends().map((m) => m.messageId)).toEqual([row.provider_id]);
  });
});
