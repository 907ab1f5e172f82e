import { z } from 'zod';
import { CHANNELS, DEBTOR_FLAGS } from './segmentation/types.js';

const contactPointSchema = z.object({
  channel: z.enum(CHANNELS),
  consent: z.boolean(),
  optedOut: z.boolean(),
  invalid: z.boolean(),
});

/**
 * The facts the API read as it opened a case (db/snapshot.ts `CaseSnapshot`): segmentation's facts,
 * the contact history's times and outcomes, no addresses. The case decides its opening on them
 * instead of reading them again, unless something changed since.
 */
export const openingFactsSchema = z.object({
  snapshot: z.object({
    debtorId: z.string(),
    locale: z.enum(['de', 'en']).nullable(),
    timezone: z.string().nullable(),
    country: z.string().nullable(),
    flags: z.array(z.enum(DEBTOR_FLAGS)),
    customerValue: z.enum(['A', 'B', 'C']).nullable(),
    digitalAffinity: z.enum(['high', 'medium', 'low']).nullable(),
    preferredChannel: z.enum([...CHANNELS, 'portal']).nullable(),
    paymentHistory: z.object({
      onTimeRate: z.number().optional(),
      brokenPromises: z.number().optional(),
      previousCases: z.number().optional(),
    }),
    openAmount: z.number().int(),
    currency: z.string().nullable(),
    daysPastDue: z.number().int(),
    openInvoiceCount: z.number().int(),
    contactPoints: z.array(contactPointSchema),
    brokenPromisesInCase: z.number().int(),
    portalVisits: z.number().int(),
  }),
  history: z.array(
    z.object({ channel: z.enum(CHANNELS), at: z.number(), outcome: z.enum(['attempt', 'conversation']) }),
  ),
  paidTotal: z.number(),
  claimWithdrawn: z.boolean(),
  oldestDueDate: z.string().nullable().optional(),
});
export type OpeningFacts = z.infer<typeof openingFactsSchema>;
