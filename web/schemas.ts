import { z } from 'zod';
import { CASE_STATUSES, debtorIdSchema } from '../domain/case.js';
import { ESCALATED_SEGMENTS, NEXT_STAGE_KINDS } from '../domain/strategies/types.js';
import {
  currencySchema,
  debtorProfileSchema,
  instantSchema,
  invoiceSchema,
  minorUnitsSchema,
  type DebtorProfile,
  type Invoice,
} from '../domain/debtor.js';

export { calendarDateSchema, currencySchema, minorUnitsSchema, phoneSchema } from '../domain/debtor.js';

export const debtorParams = z.object({ debtorId: debtorIdSchema });
export const invoiceParams = z.object({ debtorId: debtorIdSchema, invoiceId: debtorIdSchema });

/** The request bodies are the domain's schemas: one description of a debtor and an invoice. */
export const debtorBody = debtorProfileSchema;
export type DebtorBody = DebtorProfile;
export const invoiceBody = invoiceSchema;
export type InvoiceBody = Invoice;

export const paymentBody = z
  .object({
    paymentId: debtorIdSchema,
    amount: minorUnitsSchema,
    currency: currencySchema,
    invoiceId: debtorIdSchema.optional(),
    paidAt: instantSchema,
  })
  .strict();
export type PaymentBody = z.infer<typeof paymentBody>;

export const errorResponse = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

const money = z.object({ amount: z.number().int(), currency: z.string().nullable() });

const parts = z.object({ costs: z.number().int(), interest: z.number().int(), principal: z.number().int() });

/** The claim of domain/claim/compute.ts: minor units of `currency`, rates in basis points (1 % = 100). */
export const claimResponse = z.object({
  currency: z.string(),
  principal: z.number().int(),
  interest: z.number().int(),
  fees: z.number().int(),
  paid: z.number().int(),
  credit: z.number().int(),
  open: z.number().int(),
  outstanding: parts,
  interestRate: z.number().int().nullable().describe('default interest rate on asOf, basis points a year'),
  asOf: z.string(),
  waiver: z.object({ reason: z.string() }).nullable(),
  baseRateMissing: z
    .boolean()
    .describe("true: asOf's half-year has no base rate in the table yet; interest uses the last known one"),
  lines: z.array(
    z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('principal'),
        invoiceId: z.string(),
        dueDate: z.string(),
        defaultFrom: z.string().nullable(),
        amount: z.number().int(),
      }),
      z.object({
        kind: z.literal('interest'),
        invoiceId: z.string(),
        from: z.string(),
        to: z.string(),
        days: z.number().int(),
        base: z.number().int(),
        rateBasisPoints: z.number().int(),
        baseRateKnown: z
          .boolean()
          .describe(
            "false: the base rate of these days' half-year is not in the table yet, the last known one was carried forward",
          ),
        amount: z.number().int(),
      }),
      z.object({
        kind: z.literal('fee'),
        fee: z.enum(['dunning-fee', 'flat-fee', 'flat-fee-set-off']),
        date: z.string(),
        amount: z.number().int(),
      }),
      z.object({
        kind: z.literal('payment'),
        paymentId: z.string(),
        date: z.string(),
        amount: z.number().int(),
        applied: parts,
        credit: z.number().int(),
        remaining: parts,
      }),
    ]),
  ),
});

export const caseResponse = z.object({
  debtorId: z.string(),
  workflowId: z.string(),
  status: z.enum(CASE_STATUSES),
  segment: z.string(),
  strategyVersion: z.string(),
  /** The champion/challenger variant assigned at the case's opening; null outside an experiment. */
  variant: z.object({ experimentId: z.string(), name: z.string() }).nullable(),
  currentStep: z.string().nullable(),
  nextStep: z.object({ step: z.string(), at: z.string() }).nullable(),
  nextStage: z
    .object({
      kind: z.enum(NEXT_STAGE_KINDS),
      segment: z.enum(ESCALATED_SEGMENTS).optional(),
      afterDays: z.number().int(),
      description: z.string(),
    })
    .nullable()
    .describe(
      "where the segment's strategy leads after its last step (README: Segments and strategies); null once closed",
    ),
  /** When the open case decides next at the latest (at most 7 days ahead); null once closed. */
  nextDecisionAt: z.string().nullable(),
  openAmount: money,
  daysPastDue: z.number().int(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  /** Why the case is in its segment, as data; null for cases opened before it was stored. */
  assessment: z
    .object({
      segment: z.string(),
      ruleId: z.string(),
      purpose: z.string(),
      reasons: z.array(z.string()),
      missingData: z.array(z.string()),
      assessedAt: z.string(),
    })
    .nullable(),
  claim: claimResponse
    .nullable()
    .describe(
      'principal, default interest, fees and payments applied, per the creditor policy; null without invoices',
    ),
  timeline: z.array(z.object({ at: z.string(), source: z.string(), type: z.string(), summary: z.string() })),
});
