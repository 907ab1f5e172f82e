/**
 * The contract of segmentation: pure data in, an explainable decision out. Workflow-safe (no I/O),
 * and free of contact data: a snapshot says whether a channel is usable, never the address.
 */
export const SEGMENTS = [
  'protected',
  'data-collection',
  'small-balance',
  'self-service',
  'assisted',
  'personal',
  'high-risk',
] as const;
export type SegmentId = (typeof SEGMENTS)[number];

/** `letter`: post to the debtor's postal address (no consent needed; a valid address is the contact point). */
export const CHANNELS = ['email', 'sms', 'call', 'letter'] as const;
export type Channel = (typeof CHANNELS)[number];

export const DEBTOR_FLAGS = ['vulnerable', 'hardship', 'insolvency', 'deceased', 'legal-hold'] as const;
export type DebtorFlag = (typeof DEBTOR_FLAGS)[number];

export interface ContactPointState {
  channel: Channel;
  consent: boolean;
  optedOut: boolean;
  invalid: boolean;
}

/** A debtor with a valid postal address can be written to: post needs no consent and has no opt-out. */
export const letterContactPoint: ContactPointState = Object.freeze({
  channel: 'letter',
  consent: true,
  optedOut: false,
  invalid: false,
});

export interface DebtorSnapshot {
  debtorId: string;
  locale: 'de' | 'en' | null;
  timezone: string | null;
  /** ISO 3166-1 alpha-2, e.g. DE, US. */
  country: string | null;
  flags: DebtorFlag[];
  customerValue: 'A' | 'B' | 'C' | null;
  digitalAffinity: 'high' | 'medium' | 'low' | null;
  preferredChannel: Channel | 'portal' | null;
  paymentHistory: { onTimeRate?: number; brokenPromises?: number; previousCases?: number };
  /** Minor units, in `currency`. */
  openAmount: number;
  currency: string | null;
  daysPastDue: number;
  openInvoiceCount: number;
  contactPoints: ContactPointState[];
  /** Promises broken in the running case (they add to paymentHistory.brokenPromises). */
  brokenPromisesInCase: number;
  /** Times the debtor opened the portal in this case: a sign of digital affinity. */
  portalVisits: number;
}

export interface Assessment {
  segment: SegmentId;
  /** The rule that matched, or 'quality-gate' when data was missing. */
  ruleId: string;
  /** Plain-language facts that made the rule match, e.g. "customer value A". */
  reasons: string[];
  /** What the quality gate missed, e.g. "time zone"; empty when the gate passed. */
  missingData: string[];
  strategy: { id: string; version: string };
}
