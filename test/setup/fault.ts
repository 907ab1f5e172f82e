import { expect } from 'vitest';
import { mapLimit } from '../../runtime/map-limit.js';
import type { Database } from '../../db/database.js';
import type { SmtpOutbox } from '../../dev/smtp-outbox.js';
import { caseWorkflowId } from '../../domain/case.js';
import { zoneInContactWindowNow, type RunningProduct } from './harness.js';
import { historyUntil, type HistoryEvent } from './histories.js';

/**
 * The fault tier's common run: many self-service cases whose first step is one e-mail, a fault in
 * the middle of their sends, then the check that each case went on and sent exactly one message.
 */

/** Every send the case scheduled so far has completed, and there was one. */
export function firstSendDone(events: HistoryEvent[]): boolean {
  const sends = events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage')
    .map((e) => String(e.eventId));
  const completed = new Set(
    events.map((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '')),
  );
  return sends.length > 0 && sends.every((id) => completed.has(id));
}

export const emailOf = (debtorId: string) => `${debtorId}@example.com`;

/**
 * Opens the cases through the API as billing does, and as billing should: a 503 ("nothing was
 * changed") is sent again after its Retry-After. Each case gets a reminder e-mail at once.
 */
export async function openEmailCases(product: RunningProduct, ids: readonly string[]): Promise<void> {
  const timezone = zoneInContactWindowNow();
  const put = async (path: string, body: unknown) => {
    for (;;) {
      const answer = await product.request('PUT', path, body);
      if (answer.status < 300) return;
      if (answer.status !== 503)
        throw new Error(`PUT ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  await mapLimit(ids, 8, async (id) => {
    await put(`/v1/debtors/${id}`, {
      name: 'Fiona Fault',
      locale: 'de',
      timezone,
      email: emailOf(id),
      digitalAffinity: 'high',
      paymentHistory: { onTimeRate: 0.95 },
    });
    await put(`/v1/debtors/${id}/invoices/inv-1`, {
      currency: 'EUR',
      amountDue: 9900,
      dueDate: '2026-10-15',
      issuedAt: '2026-09-15T10:00:00Z',
    });
  });
}

/** Resolves once the provider holds at least n messages. */
export const whenDelivered = (outbox: SmtpOutbox, n: number): Promise<void> =>
  new Promise((resolve) => {
    const check = () => {
      if (outbox.messages().length < n) return;
      stop();
      resolve();
    };
    const stop = outbox.onMessage(check);
    check();
  });

/**
 * Every case's first send finished in its history; the provider holds exactly one e-mail per case
 * (a resend after the fault carried a Message-ID it already had); every outbox row is `sent`; the
 * timeline says "sent" once per case.
 */
export async function expectOneMessageEach(
  product: RunningProduct,
  db: Database,
  outbox: SmtpOutbox,
  ids: readonly string[],
): Promise<void> {
  for (const id of ids) await historyUntil(product.client, caseWorkflowId(id), firstSendDone);
  const perDebtor = new Map<string, number>();
  for (const mail of outbox.messages())
    for (const to of mail.to) perDebtor.set(to, (perDebtor.get(to) ?? 0) + 1);
  expect(
    ids.filter((id) => perDebtor.get(emailOf(id)) !== 1),
    'cases without exactly one e-mail',
  ).toEqual([]);
  expect(outbox.messages()).toHaveLength(ids.length);
  const known = new Set(outbox.messages().map((m) => m.messageId));
  expect(outbox.resends().filter((m) => !known.has(m.messageId))).toEqual([]);
  const rows = await db.selectFrom('outbox').select(['status', 'provider_id']).execute();
  expect(rows).toHaveLength(ids.length);
  expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
  expect(new Set(rows.map((r) => r.provider_id))).toEqual(known);
  const sent = await db
    .selectFrom('case_events')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('type', '=', 'contact-sent')
    .executeTakeFirstOrThrow();
  expect(Number(sent.count)).toBe(ids.length);
}
