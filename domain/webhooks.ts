import { z } from 'zod';

/** Every event a webhook subscription can ask for (Standard Webhooks `type`). */
export const WEBHOOK_EVENT_TYPES = [
  'case.opened',
  'case.segment_changed',
  'invoice.reduced',
  'invoice.withdrawn',
  'message.sent',
  'message.failed',
  'promise.made',
  'promise.broken',
  'plan.accepted',
  'plan.broken',
  'dispute.opened',
  'dispute.resolved',
  'case.paid',
  'case.escalated',
  'case.handoff_requested',
  'case.handed_off',
  'case.handoff_accepted',
  'case.handoff_collected',
  'case.handoff_returned',
  'case.handoff_recalled',
  'case.written_off',
  'case.closed',
] as const;
export const webhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof webhookEventType>;

/**
 * The one place that says which timeline event (case_events.type) becomes which webhook. Names the
 * engine does not record yet are mapped already, so they are delivered the day they appear.
 */
const CASE_EVENT_WEBHOOKS: Readonly<Record<string, readonly WebhookEventType[]>> = {
  'case-opened': ['case.opened'],
  'segment-changed': ['case.segment_changed'],
  'invoice-reduced': ['invoice.reduced'],
  'invoice-withdrawn': ['invoice.withdrawn'],
  'contact-sent': ['message.sent'],
  'contact-failed': ['message.failed'],
  'promise-made': ['promise.made'],
  'promise-broken': ['promise.broken'],
  'plan-accepted': ['plan.accepted'],
  'plan-broken': ['plan.broken'],
  'dispute-opened': ['dispute.opened'],
  'dispute-resolved': ['dispute.resolved'],
  paid: ['case.paid'],
  escalated: ['case.escalated'],
  'handoff-requested': ['case.handoff_requested'],
  'handed-off': ['case.handed_off'],
  'handoff-accepted': ['case.handoff_accepted'],
  'handoff-collected': ['case.handoff_collected'],
  'handoff-returned': ['case.handoff_returned'],
  'handoff-recalled': ['case.handoff_recalled'],
  'written-off': ['case.written_off'],
  'case-closed': ['case.closed'],
};

/**
 * The closing event carries the final status: a case closed as paid or written off also yields
 * `case.paid` / `case.written_off` (before `case.closed`), so billing needs one subscription only.
 */
const CLOSING_STATUS_WEBHOOKS: Readonly<Record<string, WebhookEventType>> = {
  paid: 'case.paid',
  'written-off': 'case.written_off',
};

export function webhookTypesFor(caseEventType: string, data: Record<string, unknown>): WebhookEventType[] {
  const mapped = CASE_EVENT_WEBHOOKS[caseEventType] ?? [];
  if (caseEventType !== 'case-closed') return [...mapped];
  const byStatus = typeof data.status === 'string' ? CLOSING_STATUS_WEBHOOKS[data.status] : undefined;
  return byStatus ? [byStatus, ...mapped] : [...mapped];
}

/**
 * What a receiver gets: ids, status and amounts; never names or contact data, except the package of
 * `case.handed_off` (`data.package`, domain/handoff.ts), which the agency needs to collect.
 */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: {
    debtorId: string;
    caseStatus: string | null;
    segment: string | null;
    openAmount: number | null;
    currency: string | null;
    /** The timeline event this webhook was derived from. */
    caseEventId: number;
    caseEventType: string;
    [key: string]: unknown;
  };
}

/** Fields of a case event's data that may leave the house (ids, amounts, statuses). */
export const SHAREABLE_EVENT_FIELDS = [
  'invoiceId',
  'paymentId',
  'amount',
  'amountDue',
  'previousAmountDue',
  'currency',
  'dueDate',
  'channel',
  'template',
  'status',
  'from',
  'to',
  'handoffKey',
] as const;
