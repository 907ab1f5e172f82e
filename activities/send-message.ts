import { createHash } from 'node:crypto';
import { PermanentEmailError, type Mailer } from '../channels/email/mailer.js';
import { PermanentLetterError, type LetterProvider } from '../channels/letter/provider.js';
import { renderLetterPdf } from '../channels/letter/pdf.js';
import type { LinkSigner } from '../channels/links.js';
import { PermanentSmsError, type SmsSender } from '../channels/sms/sender.js';
import { renderEmail, renderSms } from '../channels/templates.js';
import type { Config, PortalConfig } from '../config/env.js';
import { recordCaseEvent, type CaseEventInput } from '../db/case-events.js';
import { caseStatus } from '../db/cases.js';
import type { Database } from '../db/database.js';
import { loadClaim } from '../db/claim.js';
import {
  findOutboxAttempt,
  markOutboxRefused,
  markOutboxSent,
  recordOutboxSent,
  startOutboxSend,
} from '../db/outbox.js';
import { loadDebtorFacts, type DebtorFacts } from '../db/facts.js';
import {
  computeClaim,
  defaultCreditorPolicy,
  type ClaimBreakdown,
  type CreditorPolicy,
} from '../domain/claim/index.js';
import { localDate } from '../domain/dates.js';
import { creditorReference } from '../domain/payments/sepa.js';
import { addressLines, type PostalAddress } from '../domain/postal-address.js';
import type { OutboxStatus } from '../db/schema.js';
import type { Channel } from '../domain/segmentation/types.js';
import type { CaseStatus } from '../domain/case.js';
import type { MessageTemplate, Tone } from '../domain/strategies/types.js';

export interface SendMessageInput {
  debtorId: string;
  /** (case, episode, step, channel): never the attempt, so a retry finds the same outbox row. */
  idempotencyKey: string;
  channel: Channel;
  template: MessageTemplate;
  /** The strategy's tone; cases started before tones existed send none and read `supportive`. */
  tone?: Tone;
  stepLabel: string;
  /** Plan reminders: the instalment the message is about (minor units of the case currency). */
  instalment?: { dueDate: string; amount: number } | undefined;
}

export type SendResult =
  | { outcome: 'sent' | 'already-sent' }
  | { outcome: 'skipped' | 'failed'; reason: string }
  /** The contact policy no longer allows it now (retries ran past the window or a cap): try at `until`. */
  | { outcome: 'deferred'; until: number; reason: string };

export interface MessageDeps {
  db: Database;
  mailer: Mailer;
  /** undefined: SMS steps are skipped with that reason (a worker without an SMS provider). */
  sms?: SmsSender | undefined;
  /** undefined: letter steps are skipped with that reason (a worker without a print service). */
  letters?: LetterProvider | undefined;
  config: Pick<Config, 'creditor'> & {
    http: { publicUrl: string };
    portalLinkDays: number;
    /** The SEPA account a letter's GiroCode pays to; none: the letter has no QR code. */
    portal?: Pick<PortalConfig, 'sepa'>;
  };
  links: LinkSigner;
  /** Interest and fees in the messages; default: the built-in creditor policy. */
  creditorPolicy?: CreditorPolicy | undefined;
}

/** An opt-out link must keep working long after the message: a year. */
const UNSUBSCRIBE_LINK_DAYS = 365;
/** Statuses that say the provider took the message. */
const HANDED_OVER: OutboxStatus[] = ['sent', 'delivered', 'undelivered', 'bounced'];

/**
 * The case statuses a message may still go out in: dunning only while the case is active; a service
 * message also in the state it is about (its row may already say so when the send runs).
 */
const SENDABLE_IN: Partial<Record<MessageTemplate, CaseStatus>> = {
  'dispute-received': 'disputed',
  'plan-reminder': 'payment-plan',
};
const mayGoOut = (template: MessageTemplate, status: CaseStatus) =>
  status === 'active' || status === SENDABLE_IN[template];

/** `c` on the portal link tells the portal's funnel which channel brought the debtor (web/portal/). */
const PORTAL_CHANNEL_CODES = { email: 'e', sms: 's', letter: 'l' } as const;

/** How the timeline and the skip reasons name each channel's address. */
const VIA = {
  email: { name: 'e-mail', address: 'e-mail address with consent' },
  sms: { name: 'SMS', address: 'mobile number with consent' },
  letter: { name: 'letter', address: 'valid postal address' },
} as const;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** What a channel needs to send one rendered step, and to recognise an earlier attempt's message. */
interface Delivery {
  recipient: string;
  content: string;
  /** Known before sending (e-mail: the deterministic Message-ID). */
  providerId?: string;
  send(): Promise<{ providerId: string; segments?: number }>;
  /** After an ambiguous failure: the provider's record of the earlier attempt, if it has one. */
  findEarlier?(since: Date): Promise<{ providerId: string; segments?: number } | undefined>;
}

/** A provider refused the address for good: how to mark the contact point and what to tell. */
interface Refusal {
  /** undefined: the message was refused, not the address (e.g. a sender or content problem). */
  contactPoint: 'invalid_at' | 'opted_out_at' | undefined;
  reason: string;
}

/**
 * One message per idempotency key, through the outbox: the row exists before anything leaves,
 * the facts are re-read right before sending (a payment, dispute, pause or opt-out that arrived
 * after the workflow decided wins), and a retry never sends what an earlier attempt already handed
 * to the provider. The README's "Delivery guarantee" section states what that means per channel.
 */
export function createMessageSender({
  db,
  mailer,
  sms,
  letters,
  config,
  links,
  creditorPolicy,
}: MessageDeps) {
  const claimPolicy = creditorPolicy ?? defaultCreditorPolicy();
  const skip = async (input: SendMessageInput, reason: string): Promise<SendResult> => {
    await recordCaseEvent(db, {
      debtorId: input.debtorId,
      source: 'workflow',
      type: 'contact-skipped',
      summary: `${input.stepLabel} by ${input.channel} skipped: ${reason}`,
      data: { channel: input.channel, step: input.idempotencyKey },
      dedupeKey: `${input.idempotencyKey}/skipped`,
    });
    return { outcome: 'skipped', reason };
  };

  /**
   * `stillAllowed` asks the contact policy again (window, caps). It runs after the outbox row is
   * read: a retry of a message that already went out is done, not re-judged by the daily cap that
   * now counts this very message.
   */
  return async function sendMessage(
    input: SendMessageInput,
    stillAllowed: () => Promise<SendResult | undefined> = async () => undefined,
  ): Promise<SendResult> {
    if (input.channel === 'call') return skip(input, 'calls are agent tasks, not messages');
    const previous = await findOutboxAttempt(db, input.idempotencyKey);
    if (previous && previous.status !== 'pending' && previous.status !== 'sending') {
      if (!HANDED_OVER.includes(previous.status)) {
        return { outcome: 'failed', reason: previous.error ?? `outbox row is ${previous.status}` };
      }
      // Twilio's status callback can overtake an attempt that died before recording its own "sent":
      // the row is `delivered` then, without the send in the timeline or the contact history.
      const sent = { segments: previous.segments ?? undefined };
      await recordOutboxSent(db, input.idempotencyKey, sent, sentEvent(input, previous.locale, sent));
      return { outcome: 'already-sent' };
    }
    const deferral = await stillAllowed();
    if (deferral) return deferral;

    const facts = await loadDebtorFacts(db, input.debtorId, new Date(), claimPolicy);
    const status = await caseStatus(db, input.debtorId);
    const channel = input.channel;
    const address = channel === 'email' ? facts.email : channel === 'sms' ? facts.sms : facts.postalAddress;
    const skipReason = !facts.debtor
      ? 'debtor unknown'
      : facts.openAmount <= 0 || !facts.currency
        ? 'nothing is open any more'
        : status && !mayGoOut(input.template, status)
          ? `the case is ${status}`
          : !address
            ? `no ${VIA[channel].address}`
            : undefined;
    if (skipReason || !address) return skip(input, skipReason ?? 'no address');

    // Links issued at the row's creation: a retry renders the very same message.
    const issuedAt = previous?.created_at ?? new Date();
    const claim = () => loadClaim(db, input.debtorId, issuedAt, claimPolicy);
    const delivery =
      typeof address !== 'string'
        ? letters && letterDelivery(input, facts, address, issuedAt, await claim(), letters)
        : channel === 'email'
          ? emailDelivery(input, facts, address, issuedAt, await claim())
          : sms && smsDelivery(input, facts, address, issuedAt, await claim(), sms);
    if (!delivery)
      return skip(input, `no ${channel === 'sms' ? 'SMS provider' : 'print service'} is configured`);

    await startOutboxSend(db, {
      idempotencyKey: input.idempotencyKey,
      debtorId: input.debtorId,
      channel: input.channel,
      template: input.template,
      locale: facts.locale,
      recipient: delivery.recipient,
      content: delivery.content,
      contentHash: sha256(delivery.content),
      providerId: delivery.providerId,
      createdAt: issuedAt,
    });

    // An earlier attempt may have reached the provider and crashed before recording it.
    if (previous?.status === 'sending' && input.channel === 'sms') {
      const earlier = previous.provider_id
        ? { providerId: previous.provider_id }
        : await delivery.findEarlier?.(previous.created_at);
      if (earlier) {
        await markSent(input, facts, earlier);
        return { outcome: 'already-sent' };
      }
    }

    let accepted: { providerId: string; segments?: number };
    try {
      accepted = await delivery.send();
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      await markRefused(input, refusal, error instanceof Error ? error.message : String(error));
      return { outcome: 'failed', reason: refusal.reason };
    }
    await markSent(input, facts, accepted);
    return { outcome: 'sent' };
  };

  function messageLinks(input: SendMessageInput, channel: keyof typeof PORTAL_CHANNEL_CODES, issuedAt: Date) {
    const link = (path: string, token: string) => `${config.http.publicUrl}/${path}/${token}`;
    const portalToken = links.issue(input.debtorId, 'portal', issuedAt, config.portalLinkDays);
    return {
      portalUrl: `${link('p', portalToken)}?c=${PORTAL_CHANNEL_CODES[channel]}`,
      unsubscribeUrl: link(
        'u',
        links.issue(input.debtorId, 'unsubscribe-email', issuedAt, UNSUBSCRIBE_LINK_DAYS),
      ),
    };
  }

  /** The e-mail template's text, which a letter also prints: the same words on every channel. */
  function messageText(
    input: SendMessageInput,
    facts: DebtorFacts,
    issuedAt: Date,
    claim: ClaimBreakdown | undefined,
    links: { portalUrl: string; unsubscribeUrl?: string },
  ) {
    return renderEmail({
      ...links,
      template: input.template,
      tone: input.tone ?? 'supportive',
      locale: facts.locale,
      timezone: facts.timezone,
      // The row's creation time: a retry writes the very same text.
      now: issuedAt,
      debtorName: facts.debtor?.name ?? '',
      total: { amount: claim?.open ?? facts.openAmount, currency: facts.currency ?? 'EUR' },
      invoices: facts.openInvoices.map((i) => ({
        id: i.id,
        open: { amount: i.open, currency: i.currency },
        dueDate: i.dueDate,
      })),
      creditor: config.creditor,
      instalment: instalmentOf(input, facts),
      claim,
    });
  }

  function emailDelivery(
    input: SendMessageInput,
    facts: DebtorFacts,
    to: string,
    issuedAt: Date,
    claim: ClaimBreakdown | undefined,
  ): Delivery {
    const { portalUrl, unsubscribeUrl } = messageLinks(input, 'email', issuedAt);
    const rendered = messageText(input, facts, issuedAt, claim, { portalUrl, unsubscribeUrl });
    // Deterministic: a resend after a crash carries the same Message-ID, so it is recognisable.
    const messageId = `<${sha256(input.idempotencyKey).slice(0, 32)}@mahnwerk>`;
    return {
      recipient: to,
      content: rendered.text,
      providerId: messageId,
      async send() {
        await mailer.send({ to, ...rendered, messageId, listUnsubscribeUrl: unsubscribeUrl });
        return { providerId: messageId };
      },
    };
  }

  function smsDelivery(
    input: SendMessageInput,
    facts: DebtorFacts,
    to: string,
    issuedAt: Date,
    claim: ClaimBreakdown | undefined,
    sender: SmsSender,
  ): Delivery {
    const { portalUrl } = messageLinks(input, 'sms', issuedAt);
    const body = renderSms({
      template: input.template,
      tone: input.tone ?? 'supportive',
      locale: facts.locale,
      // The short form: the whole open claim; the portal link shows what it is made of.
      total: { amount: claim?.open ?? facts.openAmount, currency: facts.currency ?? 'EUR' },
      creditor: config.creditor,
      portalUrl,
      instalment: instalmentOf(input, facts),
    });
    const found = (m: { sid: string; segments: number }) => ({ providerId: m.sid, segments: m.segments });
    return {
      recipient: to,
      content: body,
      send: async () => found(await sender.send({ to, body, idempotencyKey: input.idempotencyKey })),
      // The portal link is unique to this step (debtor + issue time): it identifies the message.
      findEarlier: async (since) => {
        const earlier = await sender.findSent({ to, since, marker: portalUrl });
        return earlier && found(earlier);
      },
    };
  }

  /**
   * A letter: the e-mail template's text in the DIN 5008 frame, with the claim as a table and, for
   * euro claims with a creditor account, a GiroCode. The print service recognises a resend by the
   * idempotency key, so a retry after a crash does not print the letter twice.
   */
  function letterDelivery(
    input: SendMessageInput,
    facts: DebtorFacts,
    to: PostalAddress,
    issuedAt: Date,
    loaded: ClaimBreakdown | undefined,
    provider: LetterProvider,
  ): Delivery {
    const { portalUrl } = messageLinks(input, 'letter', issuedAt);
    const currency = facts.currency ?? 'EUR';
    const name = facts.debtor?.name ?? '';
    const date = localDate(issuedAt, facts.timezone);
    // Without a case row (a send outside a case) the letter still itemises the open invoices.
    const claim =
      loaded ??
      computeClaim(
        {
          currency,
          debtorType: facts.debtor?.debtor_type ?? 'consumer',
          invoices: facts.openInvoices.map((i) => ({
            id: i.id,
            amount: i.open,
            dueDate: i.dueDate,
            issuedOn: i.dueDate,
          })),
          payments: [],
          reminders: [],
          asOf: date,
        },
        { kind: 'none' },
      );
    const text = messageText(input, facts, issuedAt, claim, { portalUrl });
    const sepa = config.portal?.sepa;
    const recipient = addressLines(name, to, config.creditor.country).join(', ');
    return {
      recipient,
      content: `${recipient}\n${text.subject}\n${text.body}`,
      async send() {
        const pdf = await renderLetterPdf({
          locale: facts.locale,
          creditor: config.creditor,
          recipient: { name, address: to },
          date,
          subject: text.subject,
          body: text.body,
          claim,
          portalUrl,
          transfer: sepa && { ...sepa, reference: creditorReference(input.debtorId) },
        });
        const sent = await provider.send({
          idempotencyKey: input.idempotencyKey,
          recipient: { name, address: to },
          pdf: pdf.toString('base64'),
          metadata: { debtorId: input.debtorId, template: input.template },
        });
        return { providerId: sent.id };
      },
    };
  }

  async function markSent(
    input: SendMessageInput,
    facts: DebtorFacts,
    accepted: { providerId: string; segments?: number },
  ): Promise<void> {
    const sent = {
      providerId: accepted.providerId,
      segments: accepted.segments,
      amount: facts.openAmount,
      currency: facts.currency,
    };
    await markOutboxSent(db, input.idempotencyKey, sent, sentEvent(input, facts.locale, sent));
  }

  async function markRefused(input: SendMessageInput, refusal: Refusal, error: string): Promise<void> {
    const { channel } = input;
    await markOutboxRefused(
      db,
      { idempotencyKey: input.idempotencyKey, reason: refusal.reason },
      refusal.contactPoint && channel !== 'letter'
        ? { debtorId: input.debtorId, channel, mark: refusal.contactPoint }
        : undefined,
      {
        debtorId: input.debtorId,
        source: 'workflow',
        type: 'contact-failed',
        summary: `${input.stepLabel} by ${channel} refused: ${refusal.reason}`,
        data: { channel, error },
        dedupeKey: `${input.idempotencyKey}/failed`,
      },
    );
  }
}

/** "Sent" in the timeline, once per message (its dedupe key): channel, template, locale, amount, segments. */
function sentEvent(
  input: SendMessageInput,
  locale: string,
  sent: { segments?: number | undefined; amount?: number; currency?: string | null },
): CaseEventInput {
  const via = input.channel === 'call' ? 'call' : VIA[input.channel].name;
  return {
    debtorId: input.debtorId,
    source: 'workflow',
    type: 'contact-sent',
    summary: `${input.stepLabel} sent by ${via} (${locale}${sent.segments ? `, ${sent.segments} segment(s)` : ''})`,
    data: {
      channel: input.channel,
      template: input.template,
      locale,
      ...(sent.amount !== undefined ? { amount: sent.amount, currency: sent.currency } : {}),
      ...(sent.segments ? { segments: sent.segments } : {}),
    },
    dedupeKey: `${input.idempotencyKey}/sent`,
  };
}

const instalmentOf = (input: SendMessageInput, facts: DebtorFacts) =>
  input.instalment && {
    amount: { amount: input.instalment.amount, currency: facts.currency ?? 'EUR' },
    dueDate: input.instalment.dueDate,
  };

function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof PermanentEmailError) {
    return {
      contactPoint: 'invalid_at',
      reason: `mail server rejected the address (${error.responseCode}); e-mail address marked invalid`,
    };
  }
  if (error instanceof PermanentLetterError) {
    return { contactPoint: undefined, reason: `the print service refused the letter (${error.status})` };
  }
  if (error instanceof PermanentSmsError) {
    const code = error.code ?? error.status;
    switch (error.reason) {
      case 'opted-out':
        return { contactPoint: 'opted_out_at', reason: `the number opted out at the provider (${code})` };
      case 'invalid-number':
      case 'not-mobile':
        return {
          contactPoint: 'invalid_at',
          reason: `the provider refused the number (${code}); mobile number marked invalid`,
        };
      case 'rejected':
        return { contactPoint: undefined, reason: `the provider refused the message (${code})` };
    }
  }
  return undefined;
}
