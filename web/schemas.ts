import { z } from 'zod';
import { CASE_STATUSES, debtorIdSchema } from '../domain/case.js';
import { isKnownCurrency } from '../domain/money.js';

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.includes('/') || tz === 'UTC';
  } catch {
    return false;
  }
};

const isCalendarDate = (value: string): boolean => {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
};

export const calendarDateSchema = z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD');

export const FLAGS = ['vulnerable', 'hardship', 'insolvency', 'deceased', 'legal-hold'] as const;

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
  .refine(isKnownCurrency, 'unknown ISO 4217 currency');

export const minorUnitsSchema = z
  .number()
  .int('must be a whole number of minor units (cents)')
  .positive('must be greater than 0');

export const phoneSchema = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +4915123456789');

export const debtorParams = z.object({ debtorId: debtorIdSchema });
export const invoiceParams = z.object({ debtorId: debtorIdSchema, invoiceId: debtorIdSchema });

export const debtorBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    locale: z.enum(['de', 'en']),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE')
      .optional(),
    email: z.email().max(254).optional(),
    phone: phoneSchema.optional(),
    consents: z
      .object({ email: z.boolean(), sms: z.boolean(), call: z.boolean() })
      .partial()
      .strict()
      .optional()
      .describe('Defaults: e-mail true (service messages about an existing contract), SMS and calls false'),
    preferredChannel: z.enum(['email', 'sms', 'call', 'portal']).optional(),
    customerValue: z.enum(['A', 'B', 'C']).optional(),
    digitalAffinity: z.enum(['high', 'medium', 'low']).optional(),
    flags: z.array(z.enum(FLAGS)).max(FLAGS.length).optional(),
    paymentHistory: z
      .object({
        onTimeRate: z.number().min(0).max(1),
        brokenPromises: z.number().int().min(0),
        previousCases: z.number().int().min(0),
      })
      .partial()
      .strict()
      .optional(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    const needs = { email: d.email, sms: d.phone, call: d.phone, portal: d.email ?? d.phone } as const;
    if (d.preferredChannel && !needs[d.preferredChannel]) {
      ctx.addIssue({
        code: 'custom',
        path: ['preferredChannel'],
        message: `${d.preferredChannel} needs ${d.preferredChannel === 'email' ? 'an email' : d.preferredChannel === 'portal' ? 'an email or phone' : 'a phone'} to reach the debtor`,
      });
    }
  });
export type DebtorBody = z.infer<typeof debtorBody>;

export const invoiceBody = z
  .object({
    currency: currencySchema,
    amountDue: minorUnitsSchema,
    dueDate: calendarDateSchema,
    issuedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type InvoiceBody = z.infer<typeof invoiceBody>;

export const paymentBody = z
  .object({
    paymentId: debtorIdSchema,
    amount: minorUnitsSchema,
    currency: currencySchema,
    invoiceId: debtorIdSchema.optional(),
    paidAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type PaymentBody = z.infer<typeof paymentBody>;

export const errorResponse = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

const money = z.object({ amount: z.number().int(), currency: z.string().nullable() });

export const caseResponse = z.object({
  debtorId: z.string(),
  workflowId: z.string(),
  status: z.enum(CASE_STATUSES),
  segment: z.string(),
  strategyVersion: z.string(),
  currentStep: z.string().nullable(),
  nextStep: z.object({ step: z.string(), at: z.string() }).nullable(),
  openAmount: money,
  daysPastDue: z.number().int(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  timeline: z.array(z.object({ at: z.string(), source: z.string(), type: z.string(), summary: z.string() })),
});
