import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { planRejectionOf } from '../client/cases.js';
import { caseWorkflowId } from '../domain/case.js';
import { addDays, toLocal, zonedTimeToEpoch } from '../domain/contact-policy/index.js';
import { days } from '../domain/dates.js';
import { monthlySchedule } from '../domain/payment-plan.js';
import { caseWorld, TZ } from './setup/time-skipping.js';

const w = caseWorld('payment-plan-workflow-tests');

const today = async () => toLocal(await w.now(), TZ).date;

/** What the update said when it refused, as the portal reads it. */
async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return planRejectionOf(error);
}

describe('payment plans over simulated months (time-skipping server)', () => {
  it('accepts a plan within policy, pauses outreach, reminds before each due date, and closes when all is paid', async () => {
    const id = 'plan-kept';
    const email = 'plan-kept@example.com';
    await w.withWorker(async () => {
      await w.skipToTuesdayMorning();
      await w.openCase(id, w.profile(email), 30_000);
      await w.world.env.sleep(days(0.2));
      expect(w.mailsTo(email)).toHaveLength(1);
      const { cases } = w.world;

      const schedule = monthlySchedule(30_000, 3, addDays(await today(), 10));
      await expect(
        cases.proposePaymentPlan(id, { instalments: schedule, source: 'portal' }),
      ).resolves.toMatchObject({ status: 'payment-plan' });
      const state = await cases.state(id);
      expect(state.status).toBe('payment-plan');
      expect(state.plan?.instalments).toEqual(schedule.map((i) => ({ ...i, status: 'open' })));
      // A second plan, or a promise, while one runs: refused with the reason.
      expect(
        await rejection(cases.proposePaymentPlan(id, { instalments: schedule, source: 'agent' })),
      ).toMatchObject({ code: 'plan-running' });
      await expect(cases.promiseToPay(id, { date: schedule[0]!.dueDate, source: 'api' })).rejects.toThrow(
        WorkflowUpdateFailedError,
      );

      // Seven days on: the reminder three days before the first instalment, and no dunning.
      await w.world.env.sleep(days(7.2));
      const reminders = () => w.mailsTo(email).filter((m) => m.subject.startsWith('Ihre nächste Rate'));
      expect(w.mailsTo(email)).toHaveLength(2);
      expect(reminders()[0]?.subject.replaceAll('\u00a0', ' ')).toContain('100,00 €');

      await w.pay(id, 'plan-1', 10_000);
      await w.world.env.sleep(days(10));
      expect(await w.timelineTypes(id)).toContain('instalment-paid');
      expect((await cases.state(id)).plan?.instalments.map((i) => i.status)).toEqual([
        'paid',
        'open',
        'open',
      ]);
      // Instalment 2 paid early; the reminder for the third comes three days before its date.
      await w.pay(id, 'plan-2', 10_000);
      await w.world.env.sleep(zonedTimeToEpoch(schedule[2]!.dueDate, '12:00', TZ) - (await w.now()));
      expect(reminders()).toHaveLength(3);
      expect((await cases.state(id)).plan?.instalments.map((i) => i.status)).toEqual([
        'paid',
        'paid',
        'open',
      ]);
      expect(w.mailsTo(email).filter((m) => !reminders().includes(m))).toHaveLength(1);
      await w.pay(id, 'plan-3', 10_000);
      const handle = w.world.env.client.workflow.getHandle(caseWorkflowId(id));
      expect(await handle.result()).toMatchObject({ status: 'paid' });
    });
  });

  it('rejects proposals outside the segment policy with a reason the portal can show', async () => {
    const id = 'plan-rejected';
    await w.withWorker(async () => {
      await w.skipToTuesdayMorning();
      await w.openCase(id, w.profile('plan-rejected@example.com'), 30_000);
      await w.world.env.sleep(days(0.2));
      const { cases } = w.world;
      const first = addDays(await today(), 5);
      const propose = (instalments: { dueDate: string; amount: number }[]) =>
        rejection(cases.proposePaymentPlan(id, { instalments, source: 'portal' }));

      expect(await propose(monthlySchedule(30_000, 7, first))).toMatchObject({
        code: 'too-many-instalments',
        params: { max: 6 },
      });
      expect(await propose(monthlySchedule(29_000, 3, first))).toMatchObject({
        code: 'sum-mismatch',
        params: { open: 30_000 },
      });
      expect(await propose(monthlySchedule(30_000, 3, addDays(first, 40)))).toMatchObject({
        code: 'first-too-late',
      });
      expect(
        await propose([
          { dueDate: first, amount: 29_000 },
          { dueDate: addDays(first, 30), amount: 1_000 },
        ]),
      ).toMatchObject({ code: 'instalment-too-small', params: { min: 2_000 } });
      expect((await cases.state(id)).status).toBe('active');
    });
  });

  it('a missed instalment breaks the plan, counts as a broken promise and resumes outreach after re-assessment', async () => {
    const id = 'plan-broken';
    const email = 'plan-broken@example.com';
    await w.withWorker(async () => {
      await w.skipToTuesdayMorning();
      await w.openCase(id, w.profile(email, { paymentHistory: { brokenPromises: 1 } }), 30_000);
      await w.world.env.sleep(days(0.2));
      const { cases } = w.world;
      const handle = w.world.env.client.workflow.getHandle(caseWorkflowId(id));
      expect((await handle.describe()).type).toBe('assistedOutreach');
      const schedule = monthlySchedule(30_000, 2, addDays(await today(), 7));
      await cases.proposePaymentPlan(id, { instalments: schedule, source: 'agent', note: 'agreed by phone' });
      // Due in 7 days, 3 days of grace: on day 11 the plan is broken.
      await w.world.env.sleep(days(12));
      expect(await w.timelineTypes(id)).toEqual(expect.arrayContaining(['plan-accepted', 'plan-broken']));
      // Two broken promises (one before, the plan in this case): the high-risk segment takes over.
      expect((await handle.describe()).type).toBe('highRiskOutreach');
      expect((await cases.state(id)).plan).toBeNull();
      await w.world.env.sleep(days(1));
      expect(w.mailsTo(email).some((m) => m.subject.startsWith('Zweite Erinnerung'))).toBe(true);
      await w.pay(id, 'plan-all', 30_000);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
    });
  });

  it('the protected segment arranges plans personally: the case refuses automated ones', async () => {
    const id = 'plan-protected';
    await w.withWorker(async () => {
      await w.skipToTuesdayMorning();
      await w.openCase(id, w.profile('plan-protected@example.com', { flags: ['hardship'] }), 30_000);
      await w.world.env.sleep(days(0.2));
      const schedule = monthlySchedule(30_000, 3, addDays(await today(), 5));
      expect(
        await rejection(w.world.cases.proposePaymentPlan(id, { instalments: schedule, source: 'portal' })),
      ).toMatchObject({ code: 'no-plans' });
    });
  });
});
