import type { CaseClient } from '../../client/cases.js';
import { markAddress } from '../../db/contact-points.js';
import type { Database } from '../../db/database.js';
import { advanceOutboxRow, findOutboxMessage } from '../../db/outbox.js';

export interface EmailBounce {
  /** The Message-ID of the mail that bounced, as Mahnwerk set it (`<…@mahnwerk>`). */
  messageId?: string | undefined;
  /** The address that bounced; read from the outbox when only the Message-ID is known. */
  address?: string | undefined;
  /** hard: the address does not exist or refuses for good; soft: full mailbox, greylisting, … */
  kind: 'hard' | 'soft';
  reason?: string | undefined;
}

export interface BounceResult {
  /** Debtors whose e-mail address is now marked invalid (hard bounces). */
  invalidated: string[];
  /** The outbox message the bounce belongs to, when it was found. */
  outboxKey: string | undefined;
}

/**
 * A bounce reported after the mail was accepted (a DSN, or an e-mail provider's bounce webhook):
 * the message becomes `bounced`; a hard bounce marks the address invalid for every debtor using it,
 * and their cases re-assess (another channel, or data collection).
 */
export async function recordEmailBounce(
  db: Database,
  cases: CaseClient,
  bounce: EmailBounce,
): Promise<BounceResult> {
  const row = bounce.messageId
    ? await findOutboxMessage(db, 'email', { providerId: bounce.messageId })
    : undefined;
  const address = bounce.address ?? row?.recipient;
  const reason = bounce.reason ? `: ${bounce.reason.slice(0, 200)}` : '';

  if (row) {
    await advanceOutboxRow(
      db,
      { idempotencyKey: row.idempotency_key, debtorId: row.debtor_id },
      {
        from: ['sending', 'sent', 'delivered'],
        set: { status: 'bounced', error: `${bounce.kind} bounce${reason}` },
      },
      {
        source: 'provider',
        type: 'email-bounced',
        summary: `E-mail ${bounce.kind}-bounced${reason}`,
        data: { channel: 'email', kind: bounce.kind },
      },
    );
  }

  const invalidated =
    bounce.kind === 'hard' && address
      ? await markAddress(db, {
          channel: 'email',
          address,
          set: { invalid_at: new Date() },
          unless: 'invalid_at',
          event: () => ({
            source: 'provider',
            type: 'contact-invalid',
            summary: `E-mail address marked invalid after a hard bounce${reason}`,
            data: { channel: 'email' },
          }),
        })
      : [];
  for (const debtorId of invalidated) await cases.contactDataChanged(debtorId);
  return { invalidated, outboxKey: row?.idempotency_key };
}
