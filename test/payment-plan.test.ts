import { describe, expect, it } from 'vitest';
import { zonedTimeToEpoch } from '../domain/contact-policy/index.js';
import {
  acceptPlan,
  addMonths,
  checkProposal,
  maxMonthlyInstalments,
  monthlySchedule,
  nextPlanEvent,
  planView,
  type PlanPolicy,
} from '../domain/payment-plan.js';
import { applyStrategyOverrides, StrategyConfigError } from '../domain/strategies/config.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';

const policy = defaultStrategies.assisted.paymentPlan as PlanPolicy;
const facts = { openAmount: 30_000, today: '2026-03-10' };

describe('payment plan domain', () => {
  it('splits an amount into monthly instalments, the odd cents first, month ends clamped', () => {
    expect(monthlySchedule(10_000, 3, '2026-01-31')).toEqual([
      { dueDate: '2026-01-31', amount: 3_334 },
      { dueDate: '2026-02-28', amount: 3_333 },
      { dueDate: '2026-03-31', amount: 3_333 },
    ]);
    expect(addMonths('2027-11-30', 3)).toBe('2028-02-29');
  });

  it('accepts a schedule within policy and names the first rule a proposal breaks', () => {
    const ok = monthlySchedule(30_000, 3, '2026-03-20');
    expect(checkProposal({ instalments: ok, source: 'portal' }, policy, facts)).toBeUndefined();
    const code = (instalments: { dueDate: string; amount: number }[], p: PlanPolicy | null = policy) =>
      checkProposal({ instalments, source: 'portal' }, p, facts)?.code;
    expect(code(ok, null)).toBe('no-plans');
    expect(code([{ dueDate: '2026-03-20', amount: 30_000 }])).toBe('too-few-instalments');
    expect(code(monthlySchedule(30_000, 3, '2026-03-09'))).toBe('date-in-past');
    expect(code([...ok].reverse())).toBe('dates-not-ascending');
    expect(
      code([
        { dueDate: '2026-03-20', amount: 15_000 },
        { dueDate: '2026-09-30', amount: 15_000 },
      ]),
    ).toBe('too-long');
    expect(code([{ dueDate: 'soon', amount: 1 }])).toBe('invalid');
  });

  it('a plan covers the whole open claim: exactly at the portal, at least what the case last read in the case', () => {
    const at = (amount: number, cover?: 'exact' | 'at-least', open = 30_000) =>
      checkProposal({ instalments: monthlySchedule(amount, 3, '2026-03-20'), source: 'api' }, policy, {
        openAmount: open,
        today: facts.today,
        cover,
      })?.code;
    expect(at(30_000)).toBeUndefined();
    expect(at(30_012)).toBe('sum-mismatch');
    expect(at(29_999)).toBe('sum-mismatch');
    // Interest has grown the claim since the case's last read: a fresh figure above it is accepted.
    expect(at(30_012, 'at-least')).toBeUndefined();
    expect(at(29_999, 'at-least')).toBe('sum-mismatch');
    // Before its first read the case knows nothing open: no plan yet.
    expect(at(30_000, 'at-least', 0)).toBe('sum-mismatch');
  });

  it('offers no more instalments than amount, count and duration allow', () => {
    expect(maxMonthlyInstalments(policy, 30_000)).toBe(6);
    expect(maxMonthlyInstalments(policy, 5_000)).toBe(2);
    expect(maxMonthlyInstalments(policy, 1_000)).toBe(0);
  });

  it('reminds at 10:00 local time before each due date and checks after the grace days', () => {
    const plan = acceptPlan(
      { instalments: monthlySchedule(30_000, 3, '2026-03-20'), source: 'agent' },
      policy,
      Date.parse('2026-03-10T12:00:00Z'),
      5_000,
    );
    expect(nextPlanEvent(plan, 'Europe/Berlin')).toEqual({
      kind: 'remind',
      index: 0,
      at: zonedTimeToEpoch('2026-03-17', '10:00', 'Europe/Berlin'),
    });
    expect(nextPlanEvent({ ...plan, reminded: 1 }, 'Europe/Berlin')).toEqual({
      kind: 'check',
      index: 0,
      at: zonedTimeToEpoch('2026-03-24', '00:00', 'Europe/Berlin'),
    });
    expect(planView(plan, 20_000).instalments.map((i) => i.status)).toEqual(['paid', 'paid', 'open']);
  });

  it('takes plan policy overrides from the policy file, zod-checked', () => {
    const strategies = applyStrategyOverrides({
      assisted: { version: 'assisted-v2', cadenceDays: {}, paymentPlan: { maxInstalments: 4 } },
      'self-service': { version: 'self-service-v2', cadenceDays: {}, paymentPlan: false },
    });
    expect(strategies.assisted.paymentPlan).toEqual({ ...policy, maxInstalments: 4 });
    expect(strategies['self-service'].paymentPlan).toBeNull();
    expect(() =>
      applyStrategyOverrides({
        protected: { version: 'p2', cadenceDays: {}, paymentPlan: { graceDays: 2 } },
      }),
    ).toThrow(StrategyConfigError);
  });
});
