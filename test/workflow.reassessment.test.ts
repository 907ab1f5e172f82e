import { describe, expect, it } from 'vitest';
import { recordPayment } from '../db/billing.js';
import { caseWorkflowId } from '../domain/case.js';
import { days } from '../domain/dates.js';
import { REASSESS_EVERY_DAYS } from '../domain/strategies/defaults.js';
import { keepHistory } from './setup/histories.js';
import { caseWorld } from './setup/time-skipping.js';

const { world, withWorker, skipToTuesdayMorning, profile, openCase, summariesOf } = caseWorld(
  'reassessment-workflow-tests',
);

const CHECK_EVERY_DAYS = 3;

describe('periodic re-assessment: no open case waits without a date (time-skipping server)', () => {
  it('an unpaid self-service case re-assesses every ≤ 7 days and moves on by its next stages: assisted, then high-risk before 90 days past due', async () => {
    const id = 'reassess-self-service';
    const openedPastDue = 20;
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(
        id,
        profile('reassess@example.com', { digitalAffinity: 'high', paymentHistory: { onTimeRate: 0.95 } }),
        9900,
        openedPastDue,
      );
      const firstRun = await handle.describe();
      expect(firstRun.type).toBe('selfServiceOutreach');

      // Day 36, while the assisted strategy waits two weeks after its final notice for its next stage:
      // billing books a partial payment without telling the workflow (no signal). Only the periodic
      // re-assessment can notice it.
      let partialBooked = false;
      const crossesHighRisk = start + days(90 - openedPastDue);
      for (let day = CHECK_EVERY_DAYS; ; day += CHECK_EVERY_DAYS) {
        await world.env.sleep(days(CHECK_EVERY_DAYS));
        const now = await world.env.currentTimeMs();
        if (!partialBooked && day >= 36) {
          await recordPayment(world.db, id, {
            paymentId: 'p-unsignalled',
            amount: 1000,
            currency: 'EUR',
            paidAt: new Date(now).toISOString(),
          });
          partialBooked = true;
        }
        const state = await world.cases.state(id);
        expect(state.closedAt, `day ${day}`).toBeNull();
        expect(state.nextDecisionAt, `day ${day}: nextDecisionAt`).not.toBeNull();
        expect(Date.parse(state.nextDecisionAt!), `day ${day}: ${state.nextDecisionAt}`).toBeLessThanOrEqual(
          now + days(REASSESS_EVERY_DAYS),
        );
        if ((await handle.describe()).type === 'highRiskOutreach') break;
        expect(now, `still ${state.segment} on day ${day}`).toBeLessThan(
          crossesHighRisk + days(REASSESS_EVERY_DAYS),
        );
      }

      // The strategies moved it on, each after its last step, before the 90-days-past-due rule would.
      const moved = (await handle.describe()).startTime.getTime();
      expect(moved).toBeLessThan(crossesHighRisk);
      expect(await summariesOf(id, 'segment-changed')).toEqual([
        expect.stringMatching(/^Segment self-service → assisted: the strategy's last step went unanswered/),
        expect.stringMatching(/^Segment assisted → high-risk: the strategy's last step went unanswered/),
      ]);
      // The silent weeks left no trace; the unsignalled payment did, once.
      const reassessed = await summariesOf(id, 'reassessed');
      expect(reassessed).toHaveLength(1);
      expect(reassessed[0]).toContain('8900 EUR open');

      const row = await world.db
        .selectFrom('cases')
        .select(['segment', 'next_decision_at'])
        .where('debtor_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row.segment).toBe('high-risk');
      expect(row.next_decision_at).not.toBeNull();

      const selfServiceRun = world.env.client.workflow.getHandle(caseWorkflowId(id), firstRun.runId);
      await keepHistory('next-stage-self-service-to-assisted', selfServiceRun);
    });
  });
});
