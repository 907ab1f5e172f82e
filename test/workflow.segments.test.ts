import { describe, expect, it } from 'vitest';
import { caseWorkflowId } from '../domain/case.js';
import { listCaseEvents } from '../db/case-events.js';
import { toLocal } from '../domain/contact-policy/index.js';
import { days } from '../domain/dates.js';
import { keepHistory } from './setup/histories.js';
import { caseWorld, TZ } from './setup/time-skipping.js';

const { world, withWorker, skipToTuesdayMorning, profile, openCase, pay, mailsTo, timelineTypes } =
  caseWorld('segment-workflow-tests');

/** Sent e-mails as days after start, read off the history. */
async function sendDays(debtorId: string, start: number): Promise<number[]> {
  const events =
    (await world.env.client.workflow.getHandle(caseWorkflowId(debtorId)).fetchHistory()).events ?? [];
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendMessage')
    .map((e) => (Number(e.eventTime?.seconds ?? 0) * 1000 - start) / days(1))
    .map((d) => Math.round(d * 100) / 100);
}

describe('segment workflows over simulated weeks (time-skipping server)', () => {
  it('self-service: portal link at once, reminder on day 5, nudge on day 9, then an agent call; nothing after payment', async () => {
    const id = 'seg-self-service';
    const email = 'self@example.com';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      await openCase(
        id,
        profile(email, { digitalAffinity: 'high', paymentHistory: { onTimeRate: 0.95 } }),
        9900,
      );
      const handle = world.env.client.workflow.getHandle(caseWorkflowId(id));
      expect((await handle.describe()).type).toBe('selfServiceOutreach');
      await world.env.sleep(days(16));
      expect(mailsTo(email).map((m) => m.subject.split(':')[0])).toEqual([
        'Zahlungserinnerung',
        'Zweite Erinnerung',
        'Zweite Erinnerung',
      ]);
      // Self-service speaks in the friendly tone of its strategy.
      expect(mailsTo(email).map((m) => m.text.split(' ')[0])).toEqual(['Hallo', 'Hallo', 'Hallo']);
      // Day 5 is a Sunday: the reminder waits for Monday 08:00 (day 5.92); the nudge follows 4 days
      // after that step, on Friday 08:00. The nudge prefers SMS; without a phone it goes by e-mail.
      expect(await sendDays(id, start)).toEqual([0, 5.92, 9.92]);
      expect(await timelineTypes(id)).toEqual(
        // No phone: the SMS nudge goes by e-mail, and the closing call cannot be made (skipped, not faked).
        expect.arrayContaining(['case-opened', 'contact-sent', 'contact-skipped', 'step-skipped']),
      );
      await pay(id, 'p-self', 9900);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await world.env.sleep(days(45));
      expect(mailsTo(email)).toHaveLength(3);
      await keepHistory('self-service-paid', handle);
    });
  });

  it('waits for the contact window: a case opened on Saturday evening writes on Monday 08:00', async () => {
    const id = 'seg-window';
    const email = 'window@example.com';
    await withWorker(async () => {
      const tuesday = await skipToTuesdayMorning();
      const saturdayEvening = tuesday + days(4) + 10.5 * 3_600_000; // Saturday 20:30 Berlin
      await world.env.sleep(saturdayEvening - (await world.env.currentTimeMs()));
      await openCase(id, profile(email, { digitalAffinity: 'high' }), 9900);
      await world.env.sleep(days(1.5));
      expect(mailsTo(email)).toHaveLength(1);
      const [firstSend] = await sendDays(id, saturdayEvening);
      const sent = toLocal(saturdayEvening + firstSend! * days(1), TZ);
      // Monday 08:00, plus the moments the workflow needs to re-read the facts before it writes.
      expect(sent).toMatchObject({ weekday: 1, hour: 8 });
      expect(sent.minute).toBeLessThan(5);
      await pay(id, 'p-window', 9900);
      expect(await world.env.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
        status: 'paid',
      });
    });
  });

  it('personal → self-service after a partial payment, with the change and its reasons in the timeline', async () => {
    const id = 'seg-partial';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      await openCase(id, profile('partial@example.com', { digitalAffinity: 'high' }), 600_000);
      const handle = world.env.client.workflow.getHandle(caseWorkflowId(id));
      expect((await handle.describe()).type).toBe('personalOutreach');
      await world.env.sleep(days(1));
      await pay(id, 'p-part', 550_000);
      await world.env.sleep(days(1));
      expect((await handle.describe()).type).toBe('selfServiceOutreach');
      const change = (await listCaseEvents(world.db, id)).find((e) => e.type === 'segment-changed');
      expect(change?.summary).toMatch(/personal → self-service/);
      expect((await world.cases.state(id)).episode).toBe(2);
      await pay(id, 'p-rest', 50_000);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await keepHistory('personal-to-self-service', handle);
    });
  });

  it('a promise pauses outreach; a broken promise counts and moves the debtor to high-risk after the second', async () => {
    const id = 'seg-promise';
    const email = 'promise@example.com';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      await openCase(id, profile(email, { paymentHistory: { onTimeRate: 0.5, brokenPromises: 1 } }), 20_000);
      const handle = world.env.client.workflow.getHandle(caseWorkflowId(id));
      expect((await handle.describe()).type).toBe('assistedOutreach');
      await world.env.sleep(days(0.5));
      const promised = toLocal((await world.env.currentTimeMs()) + days(10), TZ).date;
      await expect(world.cases.promiseToPay(id, { date: promised, source: 'api' })).resolves.toMatchObject({
        status: 'promised',
      });
      const tooLate = toLocal((await world.env.currentTimeMs()) + days(60), TZ).date;
      await expect(world.cases.promiseToPay(id, { date: tooLate, source: 'api' })).rejects.toThrow();
      const before = mailsTo(email).length;
      await world.env.sleep(days(9));
      expect(mailsTo(email)).toHaveLength(before);
      await world.env.sleep(days(3));
      expect(await timelineTypes(id)).toContain('promise-broken');
      expect((await handle.describe()).type).toBe('highRiskOutreach');
      await pay(id, 'p-promise', 20_000);
      expect(await handle.result()).toMatchObject({ status: 'paid' });
      await keepHistory('promise-broken-high-risk', handle);
    });
  });

  it('a dispute pauses all outreach until it is resolved, then outreach resumes', async () => {
    const id = 'seg-dispute';
    const email = 'dispute@example.com';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      await openCase(id, profile(email, { digitalAffinity: 'high' }), 9900);
      await world.env.sleep(days(1));
      expect(mailsTo(email)).toHaveLength(1);
      await world.cases.openDispute(id, { reason: 'amount wrong', source: 'api' });
      expect((await world.cases.state(id)).status).toBe('disputed');
      await world.env.sleep(days(20));
      expect(mailsTo(email)).toHaveLength(1);
      await world.cases.resolveDispute(id, 'resume');
      await world.env.sleep(days(6));
      expect(mailsTo(email).length).toBeGreaterThan(1);
      await world.cases.cancel(id, 'billing withdrew the claim');
      expect(await world.env.client.workflow.getHandle(caseWorkflowId(id)).result()).toMatchObject({
        status: 'cancelled',
      });
      await keepHistory('dispute-resume-cancel', world.env.client.workflow.getHandle(caseWorkflowId(id)));
    });
  });
});
