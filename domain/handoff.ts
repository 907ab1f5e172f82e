import { z } from 'zod';
import type { ClaimBreakdown, ClaimLine } from './claim/index.js';
import { rdgFirstDemandInformation } from './claim/index.js';
import type { DebtorProfile } from './debtor.js';
import { trimmedText } from './text.js';

/**
 * A hand-over to a collection agency: the package the agency gets (assembled here from facts the
 * database read, pure), and the agency's answers. The package is the one thing Mahnwerk sends out
 * with the debtor's contact data in it: the agency needs them to collect.
 */

export const HANDOFF_STATUSES = ['sent', 'accepted', 'collected', 'returned', 'recalled'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

/** Where the case goes when the agency gives it back. */
export const HANDOFF_RETURN_TARGETS = ['outreach', 'write-off'] as const;
export type HandoffReturnTarget = (typeof HANDOFF_RETURN_TARGETS)[number];

const minorUnits = z.number().int().positive('must be greater than 0 (minor units)');

/** The agency's report: `POST /v1/cases/{id}/handoff-status`. */
export const handoffStatusReportSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('accepted'),
    agencyReference: trimmedText(1, 100).optional().describe("the agency's file number"),
  }),
  z.strictObject({
    status: z.literal('collected'),
    collectionId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,80}$/, 'use letters, digits and . _ : - only')
      .describe("the agency's id of this remittance: repeating it records nothing twice"),
    amount: minorUnits.describe('what the agency collected and remits, in minor units'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO currency code such as EUR'),
  }),
  z.strictObject({
    status: z.literal('returned'),
    reason: trimmedText(1, 500),
    then: z
      .enum(HANDOFF_RETURN_TARGETS)
      .default('outreach')
      .describe('outreach: the case runs its strategy again; write-off: a supervisor approves a write-off'),
  }),
]);
export type HandoffStatusReport = z.output<typeof handoffStatusReportSchema>;

/** A recall by the creditor (before the agency accepted). */
export const handoffRecallSchema = z.strictObject({ reason: trimmedText(1, 500) });
export type HandoffRecall = z.output<typeof handoffRecallSchema>;

/** What the workflow gets: the report or a recall, never contact data. */
export type HandoffReport = HandoffStatusReport | ({ status: 'recalled' } & HandoffRecall);

/** The workflow's state of a hand-over it waits on. */
export type OpenHandoffStatus = Extract<HandoffStatus, 'sent' | 'accepted'>;

/** Why a report does not fit the hand-over's state, or undefined when it does. */
export function handoffReportConflict(
  status: OpenHandoffStatus | undefined,
  report: HandoffReport['status'],
): string | undefined {
  if (status === undefined) return 'the case is not handed over';
  if (report === 'recalled' && status === 'accepted') {
    return 'the agency accepted the hand-over: it can no longer be recalled (ask the agency to return it)';
  }
  return undefined;
}

export interface HandoffInvoice {
  id: string;
  currency: string;
  amountDue: number;
  amountPaid: number;
  issuedOn: string;
  dueDate: string;
}

export interface HandoffContact {
  at: string;
  channel: string;
  template: string;
  status: string;
}

export interface HandoffEvent {
  at: string;
  type: string;
  summary: string;
}

/** What the database holds for a hand-over package. */
export interface HandoffFacts {
  handoffKey: string;
  createdAt: string;
  debtorId: string;
  profile: DebtorProfile;
  claim: ClaimBreakdown;
  invoices: HandoffInvoice[];
  contacts: HandoffContact[];
  /** The case's timeline. */
  events: HandoffEvent[];
  creditor: { name: string; email: string; phone: string; address: string[]; country: string };
}

/** Timeline entries that are promises or disputes. */
const COMMITMENT_EVENTS = /^(promise|dispute|plan)-/;

export function buildHandoffPackage(f: HandoffFacts) {
  const { profile } = f;
  const claimReason = {
    de: 'Lieferungen und Leistungen laut Rechnung',
    en: 'goods and services as invoiced',
  } as const;
  const firstDemand = (locale: 'de' | 'en') =>
    rdgFirstDemandInformation({
      claim: f.claim,
      locale,
      creditorName: f.creditor.name,
      claimReason: claimReason[locale],
      invoices: f.invoices.map((i) => ({ id: i.id, issuedOn: i.issuedOn })),
    });
  return {
    handoffKey: f.handoffKey,
    createdAt: f.createdAt,
    creditor: {
      ...f.creditor,
      claimReason,
      /** § 13a (1) RDG: what the agency's first demand states, in the debtor's languages. */
      firstDemandInformation: { de: firstDemand('de'), en: firstDemand('en') },
    },
    debtor: {
      id: f.debtorId,
      name: profile.name,
      type: profile.type ?? 'consumer',
      locale: profile.locale,
      timezone: profile.timezone,
      country: profile.country ?? null,
      email: profile.email ?? null,
      phone: profile.phone ?? null,
      address: profile.address ?? null,
      consents: profile.consents ?? {},
    },
    claim: f.claim,
    invoices: f.invoices,
    contactHistory: f.contacts,
    commitments: f.events.filter((e) => COMMITMENT_EVENTS.test(e.type)),
    timeline: f.events,
  };
}
export type HandoffPackage = ReturnType<typeof buildHandoffPackage>;

/** The claim line by line as CSV (RFC 4180, amounts in minor units), for the agency's spreadsheet. */
export function claimLinesCsv(claim: ClaimBreakdown): string {
  const header = ['kind', 'reference', 'date', 'from', 'to', 'days', 'base', 'rate_bp', 'amount', 'currency'];
  const row = (l: ClaimLine): (string | number)[] => {
    switch (l.kind) {
      case 'principal':
        return ['principal', l.invoiceId, l.dueDate, l.defaultFrom ?? '', '', '', '', '', l.amount];
      case 'interest':
        return ['interest', l.invoiceId, '', l.from, l.to, l.days, l.base, l.rateBasisPoints, l.amount];
      case 'fee':
        return ['fee', l.fee, l.date, '', '', '', '', '', l.amount];
      case 'payment':
        return ['payment', l.paymentId, l.date, '', '', '', '', '', -l.amount];
    }
  };
  const total = ['open', '', claim.asOf, '', '', '', '', '', claim.open];
  return [header, ...claim.lines.map(row), total]
    .map((cells) => [...cells, ...(cells === header ? [] : [claim.currency])].map(csvCell).join(','))
    .join('\r\n')
    .concat('\r\n');
}

const csvCell = (value: string | number) => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
