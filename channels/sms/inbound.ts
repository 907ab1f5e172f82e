import type { Logger } from 'pino';
import type { CaseClient } from '../../client/cases.js';
import { debtorsWithAddress, markAddress } from '../../db/contact-points.js';
import type { Database } from '../../db/database.js';
import { recordCaseEvent } from '../../db/case-events.js';
import { advanceOutboxRow, findOutboxMessage } from '../../db/outbox.js';
import type { OutboxStatus } from '../../db/schema.js';
import type { SmsInbound, SmsStatusUpdate } from '../../web/routes/twilio-webhooks.js';
import { isStartKeyword, isStopKeyword, twilioOptOutType } from './keywords.js';

/** Twilio's statuses after ours says `sent`: only these move an outbox row, and only forward. */
const FINAL: Partial<Record<string, OutboxStatus>> = {
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
};

const STOP_CONFIRMATION =
  'Sie erhalten keine SMS mehr von uns. / You will receive no more text messages from us.';
const START_CONFIRMATION = 'SMS sind wieder aktiviert. / Text messages are on again.';

/**
 * What Twilio tells us: delivery updates move the outbox row forward; a STOP-family reply opts
 * the number out of SMS for every debtor and case that uses it, running or future.
 */
export function createSmsEventHandlers({
  db,
  cases,
  logger,
}: {
  db: Database;
  cases: CaseClient;
  logger: Logger;
}) {
  async function onStatus(update: SmsStatusUpdate): Promise<void> {
    const next = FINAL[update.status];
    if (!next) return; // queued / sending / sent: our row already says sent (or will in a moment)
    const row = await findOutboxMessage(
      db,
      'sms',
      update.idempotencyKey ? { idempotencyKey: update.idempotencyKey } : { providerId: update.sid },
    );
    if (!row) {
      logger.warn({ sid: update.sid }, 'SMS status for a message the outbox does not know');
      return;
    }
    await advanceOutboxRow(
      db,
      { idempotencyKey: row.idempotency_key, debtorId: row.debtor_id },
      {
        // A callback can overtake our own "sent": the crash-safe send path never moves a row back.
        from: ['sending', 'sent'],
        set: {
          status: next,
          provider_id: update.sid,
          error: update.errorCode ? `Twilio error ${update.errorCode}` : null,
          delivered_at: next === 'delivered' ? new Date() : null,
        },
      },
      {
        source: 'provider',
        type: `sms-${next}`,
        summary:
          next === 'delivered'
            ? 'SMS delivered'
            : `SMS ${next}${update.errorCode ? ` (Twilio error ${update.errorCode})` : ''}`,
        data: { channel: 'sms', status: next, errorCode: update.errorCode ?? null },
      },
    );
  }

  async function onInbound(message: SmsInbound): Promise<{ reply?: string }> {
    const stop = isStopKeyword(message.body);
    const start = !stop && isStartKeyword(message.body);
    if (!stop && !start) {
      await recordInbound(message);
      return {};
    }
    const now = new Date();
    const debtors = await markAddress(db, {
      channel: 'sms',
      address: message.from,
      set: { opted_out_at: stop ? now : null },
      unless: 'opted_out_at',
      lift: start,
      event: (debtorId) => ({
        source: 'debtor',
        type: stop ? 'opted-out' : 'opted-in',
        summary: stop
          ? 'The debtor replied STOP: no more SMS'
          : 'The debtor replied START: SMS allowed again',
        data: { channel: 'sms', keyword: message.body.trim().slice(0, 20) },
        dedupeKey: `sms-inbound/${message.sid}/${debtorId}`,
      }),
    });
    for (const debtorId of debtors) await cases.contactDataChanged(debtorId);
    logger.info({ debtors: debtors.length, stop }, 'SMS opt-out keyword honoured');
    // Confirmed once: a repeated STOP changes nothing and gets no answer; Twilio answers its own words.
    if (!debtors.length || twilioOptOutType(message.body)) return {};
    return { reply: stop ? STOP_CONFIRMATION : START_CONFIRMATION };
  }

  /** Any other reply is for a person: it lands in each matching debtor's timeline, without the text. */
  async function recordInbound(message: SmsInbound): Promise<void> {
    for (const debtorId of await debtorsWithAddress(db, 'sms', message.from)) {
      await recordCaseEvent(db, {
        debtorId,
        source: 'debtor',
        type: 'sms-received',
        summary: 'The debtor replied by SMS',
        data: { channel: 'sms', length: message.body.length },
        dedupeKey: `sms-inbound/${message.sid}/${debtorId}`,
      });
    }
  }

  return { onStatus, onInbound };
}
