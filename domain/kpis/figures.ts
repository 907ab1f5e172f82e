import { z } from 'zod';
import { contactCost, type UnitCosts } from './unit-costs.js';

/** Sums and counts per group and currency, straight from SQL; rates are derived in domain/kpis. */
export interface KpiAggregateRow {
  group: string;
  currency: string;
  casesOpened: number;
  amountPlaced: number;
  amountRecovered: number;
  matured30: number;
  placed30: number;
  recovered30: number;
  matured60: number;
  placed60: number;
  recovered60: number;
  matured90: number;
  placed90: number;
  recovered90: number;
  medianDaysToPay: number | null;
  promisesMade: number;
  promisesKept: number;
  promisesBroken: number;
  plansCompleted: number;
  plansBroken: number;
  casesDisputed: number;
  casesEmailed: number;
  casesOptedOutEmail: number;
  casesTexted: number;
  casesOptedOutSms: number;
  emails: number;
  smsMessages: number;
  smsSegments: number;
  letters: number;
  callAttempts: number;
  callConversations: number;
  portalOpened: number;
  portalPaymentStarted: number;
  portalPaid: number;
  /** Per dpd bucket b (1 = 1–30, 2 = 31–60, 3 = 61–90, 4 = 90+): cases whose stay in b is over, rolled on, paid. */
  left1: number;
  rolled1: number;
  cured1: number;
  left2: number;
  rolled2: number;
  cured2: number;
  left3: number;
  rolled3: number;
  cured3: number;
  left4: number;
  cured4: number;
}

/** One KPI row as the API returns it: the group, its currency, counts, amounts (minor units), rates 0..1. */
export const kpiRowSchema = z.object({
  group: z.string(),
  currency: z.string(),
  casesOpened: z.number(),
  amountPlaced: z.number(),
  amountRecovered: z.number(),
  recoveryRate30: z.number().nullable(),
  recoveryRate60: z.number().nullable(),
  recoveryRate90: z.number().nullable(),
  medianDaysToPay: z.number().nullable(),
  promisesMade: z.number(),
  promiseKeptRate: z.number().nullable(),
  planCompletionRate: z.number().nullable(),
  disputeRate: z.number().nullable(),
  optOutRateEmail: z.number().nullable(),
  optOutRateSms: z.number().nullable(),
  contacts: z.number(),
  emails: z.number(),
  smsMessages: z.number(),
  smsSegments: z.number(),
  letters: z.number(),
  callAttempts: z.number(),
  cost: z.number().nullable(),
  costPerUnitRecovered: z.number().nullable(),
  rightPartyContactRate: z.number().nullable(),
  rollRate1to30: z.number().nullable(),
  rollRate31to60: z.number().nullable(),
  rollRate61to90: z.number().nullable(),
  cureRate1to30: z.number().nullable(),
  cureRate31to60: z.number().nullable(),
  cureRate61to90: z.number().nullable(),
  cureRate90plus: z.number().nullable(),
  portalOpened: z.number(),
  portalPaymentStarted: z.number(),
  portalPaid: z.number(),
});
export type KpiRow = z.infer<typeof kpiRowSchema>;

/** Per agent and case currency: tasks answered, promises taken and kept. */
export const agentKpiRowSchema = z.object({
  agentId: z.string(),
  agentName: z.string(),
  currency: z.string(),
  tasksDone: z.number(),
  promisesTaken: z.number(),
  /** The promised amount; "everything open" counts as what was open when the promise was taken. */
  amountPromised: z.number(),
  /** Promises whose amount was paid from the promise to the end of its date (UTC). */
  promisesKept: z.number(),
  amountKept: z.number(),
});
export type AgentKpiRow = z.infer<typeof agentKpiRowSchema>;

/** A share, or null when there is nothing to share (no case matured, no call made, …). */
export const rate = (numerator: number, denominator: number): number | null =>
  denominator > 0 ? numerator / denominator : null;

export function kpiRow(a: KpiAggregateRow, unitCosts: UnitCosts): KpiRow {
  const cost = contactCost(a, unitCosts[a.currency]);
  return {
    group: a.group,
    currency: a.currency,
    casesOpened: a.casesOpened,
    amountPlaced: a.amountPlaced,
    amountRecovered: a.amountRecovered,
    recoveryRate30: rate(a.recovered30, a.placed30),
    recoveryRate60: rate(a.recovered60, a.placed60),
    recoveryRate90: rate(a.recovered90, a.placed90),
    medianDaysToPay: a.medianDaysToPay,
    promisesMade: a.promisesMade,
    promiseKeptRate: rate(a.promisesKept, a.promisesKept + a.promisesBroken),
    planCompletionRate: rate(a.plansCompleted, a.plansCompleted + a.plansBroken),
    disputeRate: rate(a.casesDisputed, a.casesOpened),
    optOutRateEmail: rate(a.casesOptedOutEmail, a.casesEmailed),
    optOutRateSms: rate(a.casesOptedOutSms, a.casesTexted),
    contacts: a.emails + a.smsMessages + a.letters + a.callAttempts,
    emails: a.emails,
    smsMessages: a.smsMessages,
    smsSegments: a.smsSegments,
    letters: a.letters,
    callAttempts: a.callAttempts,
    cost,
    costPerUnitRecovered: cost === null ? null : rate(cost, a.amountRecovered),
    rightPartyContactRate: rate(a.callConversations, a.callAttempts),
    rollRate1to30: rate(a.rolled1, a.left1),
    rollRate31to60: rate(a.rolled2, a.left2),
    rollRate61to90: rate(a.rolled3, a.left3),
    cureRate1to30: rate(a.cured1, a.left1),
    cureRate31to60: rate(a.cured2, a.left2),
    cureRate61to90: rate(a.cured3, a.left3),
    cureRate90plus: rate(a.cured4, a.left4),
    portalOpened: a.portalOpened,
    portalPaymentStarted: a.portalPaymentStarted,
    portalPaid: a.portalPaid,
  };
}
