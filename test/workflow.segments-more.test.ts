import { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { TransientEmailError, type Mailer } from '../channels/email/mailer.js';
import { recordPayment, upsertDebtor } from '../db/billing.js';
import { addDays, nextWindowStart, toLocal, zonedTimeToEpoch } from '../domain/contact-policy/index.js';
import { baseRateOn } from '../domain/claim/index.js';
import { days } from '../domain/dates.js';
import { keepHistory } from './setup/histories.js';
import { activityCalls as readActivityCalls, type ActivityCall } from './setup/activity-calls.js';
import { caseWorld, TZ } from './setup/time-skipping.js';

const MINUTE = 60_000;
const {
  world,
  withWorker,
  skipToTuesdayMorning,
  sleepUntil,
  profile,
  openCase,
  mailsTo,
  timelineTypes,
  summariesOf,
} = caseWorld('segment-more-workflow-tests', { sentAtOnTestClock: true });

const activityCalls = (debtorId: string, activity: string): Promise<ActivityCall[]> =>
  readActivityCalls(world.env, debtorId, activity);

const local = (at: number): string => {
  const l = toLocal(at, TZ);
  return `${l.date} ${['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][l.weekday]} ${l.time}`;
};

/**
 * The calls as "what at when", comparable with expected instants: a call within 3 minutes of the
 * expected instant (the workflow reads facts before it writes) prints the expected time.
 */
const described = (calls: ActivityCall[], expected: number[], what: (c: ActivityCall) => string): string[] =>
  calls.map((c, i) => {
    const want = expected[i];
    const at = want !== undefined && Math.abs(c.at - want) < 3 * MINUTE ? want : c.at;
    return `${what(c)} @ ${local(at)}`;
  });

const sendWhat = (c: ActivityCall): string =>
  `${String(c.input.stepLabel)} by ${String(c.input.channel)}: ${String(c.result?.outcome)}`;

describe('more segment workflows over 60 simulated days (time-skipping server)', () => {
  it('protected: never contacted, a specialist review every 30 days, an unanswered one goes to a supervisor, status paused', async () => {
    const id = 'more-protected';
    const email = 'protected@example.com';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, profile(email, { flags: ['hardship'] }), 50_000);
      expect((await handle.describe()).type).toBe('protectedCase');
      await world.env.sleep(days(60));

      expect(await activityCalls(id, 'sendMessage')).toEqual([]);
      expect(mailsTo(email)).toHaveLength(0);
      const created = await activityCalls(id, 'createAgentTask');
      const withdrawn = await activityCalls(id, 'withdrawAgentTask');
      const second = start + days(35);
      const createdAt = [start, start + days(5), second, second + days(5)];
      expect(described(created, createdAt, (c) => `create ${String(c.input.kind)}`)).toEqual([
        `create protected-review @ ${local(start)}`,
        `create supervisor-review @ ${local(start + days(5))}`,
        `create protected-review @ ${local(second)}`,
        `create supervisor-review @ ${local(second + days(5))}`,
      ]);
      expect(
        described(
          withdrawn,
          [start + days(5), second + days(5)],
          (c) => `withdraw ${String(c.input.reason)}`,
        ),
      ).toEqual([
        `withdraw deadline passed @ ${local(start + days(5))}`,
        `withdraw deadline passed @ ${local(second + days(5))}`,
      ]);
      const tasks = await world.db
        .selectFrom('agent_tasks')
        .selectAll()
        .where('debtor_id', '=', id)
        .orderBy('id')
        .execute();
      expect(tasks.map((t) => [t.kind, t.status])).toEqual([
        ['protected-review', 'withdrawn'],
        ['supervisor-review', 'open'],
        ['protected-review', 'withdrawn'],
        ['supervisor-review', 'open'],
      ]);
      expect(tasks[0]?.required_skills).toContain('hardship');
      expect(Math.abs(new Date(tasks[0]!.due_at).getTime() - (start + days(5)))).toBeLessThan(3 * MINUTE);

      expect((await world.cases.state(id)).status).toBe('paused');
      const row = await world.db
        .selectFrom('cases')
        .selectAll()
        .where('debtor_id', '=', id)
        .executeTakeFirst();
      expect(row).toMatchObject({ status: 'paused', segment: 'protected' });
      const types = await timelineTypes(id);
      expect(types).toEqual(
        expect.arrayContaining(['case-opened', 'agent-task-created', 'agent-task-withdrawn']),
      );
      expect(types.filter((t) => t.startsWith('contact-'))).toEqual([]);

      await world.cases.cancel(id, 'test over');
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
      await keepHistory('protected-periodic-review', handle);
    });
  });

  it('data-collection: no contact and a research task; a valid e-mail moves the case on and the first reminder waits for the window', async () => {
    const id = 'more-data';
    const email = 'found@example.com';
    // No e-mail, a phone without consent: no reachable channel.
    const noChannel = profile(undefined, { phone: '+4915112345678', digitalAffinity: 'high' });
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, noChannel, 9900);
      expect((await handle.describe()).type).toBe('dataCollection');
      // Saturday 21:00 Berlin: the agent found an e-mail address, outside the contact window.
      const found = start + days(4) + 11 * 3_600_000;
      await sleepUntil(found);
      expect(await activityCalls(id, 'sendMessage')).toEqual([]);
      await upsertDebtor(world.db, id, { ...noChannel, email });
      await expect(world.cases.contactDataChanged(id)).resolves.toBe('signalled');
      // Self-service from Monday 08:00: portal link, reminder (+5 d), nudge (+4 d, no SMS consent: e-mail).
      const first = nextWindowStart(found, TZ, 'DE');
      const second = nextWindowStart(first + days(5), TZ, 'DE');
      const third = nextWindowStart(second + days(4), TZ, 'DE');
      // Before the strategy's last step (a call, +5 d) and its next stage.
      await sleepUntil(third + days(1));

      expect((await handle.describe()).type).toBe('selfServiceOutreach');
      expect(await summariesOf(id, 'segment-changed')).toEqual([
        expect.stringMatching(/^Segment data-collection → self-service/),
      ]);
      const tasks = await world.db
        .selectFrom('agent_tasks')
        .selectAll()
        .where('debtor_id', '=', id)
        .execute();
      expect(tasks.map((t) => [t.kind, t.status])).toEqual([['data-research', 'withdrawn']]);
      const withdrawn = await activityCalls(id, 'withdrawAgentTask');
      expect(described(withdrawn, [found], () => 'withdraw')).toEqual([`withdraw @ ${local(found)}`]);

      expect(toLocal(first, TZ)).toMatchObject({ hour: 8, minute: 0 });
      expect(toLocal(first, TZ).weekday).not.toBe(7);
      expect(described(await activityCalls(id, 'sendMessage'), [first, second, third], sendWhat)).toEqual([
        `Portal link by email: sent @ ${local(first)}`,
        `E-mail reminder by email: sent @ ${local(second)}`,
        `SMS nudge by email: sent @ ${local(third)}`,
      ]);
      expect(mailsTo(email)).toHaveLength(3);
      const types = await timelineTypes(id);
      expect(types.indexOf('segment-changed')).toBeLessThan(types.indexOf('contact-sent'));
      expect(types).toEqual(expect.arrayContaining(['contact-deferred', 'episode-started']));
      expect((await world.cases.state(id)).episode).toBe(2);

      await world.cases.cancel(id, 'test over');
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
      await keepHistory('data-collection-to-self-service', handle);
    });
  });

  it('small-balance below the automatic limit: exactly one reminder, then after 14 days the write-off closes the case', async () => {
    const id = 'more-small';
    const email = 'small@example.com';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, profile(email), 1400);
      expect((await handle.describe()).type).toBe('smallBalanceOutreach');
      await world.env.sleep(days(60));

      expect(described(await activityCalls(id, 'sendMessage'), [start], sendWhat)).toEqual([
        `Friendly reminder by email: sent @ ${local(start)}`,
      ]);
      expect(mailsTo(email)).toHaveLength(1);
      const outcome = await handle.result();
      expect(outcome.status).toBe('written-off');
      expect(Math.abs(Date.parse(outcome.closedAt) - (start + days(14)))).toBeLessThan(3 * MINUTE);
      const types = await timelineTypes(id);
      expect(types.filter((t) => ['contact-sent', 'write-off-decided', 'case-closed'].includes(t))).toEqual([
        'contact-sent',
        'write-off-decided',
        'case-closed',
      ]);
      expect(await summariesOf(id, 'write-off-decided')).toEqual([
        // The open claim: 14.00 principal + 13 days of default interest from the day after the
        // reminder (1,400 × 6.27 % × 13 / 365 = 3.13 cents).
        'Written off automatically: 14.03 EUR is below the limit of 15.00 EUR',
      ]);
      expect(await summariesOf(id, 'case-closed')).toEqual(['Case closed: written-off']);
      // Written off, never deleted: the claim's invoice stays.
      const invoices = await world.db
        .selectFrom('invoices')
        .select('id')
        .where('debtor_id', '=', id)
        .execute();
      expect(invoices).toHaveLength(1);
      await keepHistory('small-balance-written-off-automatically', handle);
    });
  });

  it.each([
    { trigger: 'two broken promises on record', paymentHistory: { brokenPromises: 2 }, pastDue: 20 },
    { trigger: '95 days past due', paymentHistory: {}, pastDue: 95 },
  ])(
    'high-risk ($trigger): tight cadence, then hand-over to the collection agency once a supervisor approves',
    async (c) => {
      const id = `more-high-risk-${c.pastDue}`;
      const email = `high-risk-${c.pastDue}@example.com`;
      await withWorker(async () => {
        const start = await skipToTuesdayMorning();
        const handle = await openCase(
          id,
          profile(email, { paymentHistory: c.paymentHistory }),
          20_000,
          c.pastDue,
        );
        expect((await handle.describe()).type).toBe('highRiskOutreach');
        // No phone: the SMS step goes by e-mail, the call is skipped; the final notice 3 days after the call.
        const notice = start;
        const sms = nextWindowStart(notice + days(2), TZ, 'DE');
        const call = sms + days(1);
        const final = nextWindowStart(call + days(3), TZ, 'DE');
        const escalation = final + days(7);
        // Within the supervisor's 3 days for the approval.
        await sleepUntil(escalation + days(1));
        expect(described(await activityCalls(id, 'sendMessage'), [notice, sms, final], sendWhat)).toEqual([
          `E-mail notice by email: sent @ ${local(notice)}`,
          `SMS reminder by email: sent @ ${local(sms)}`,
          `Final notice by email: sent @ ${local(final)}`,
        ]);
        // The strategy's firm tone reaches the e-mails.
        expect(mailsTo(email).map((m) => m.subject.replaceAll('\u00a0', ' '))).toEqual([
          'Zweite Erinnerung: 200,00 € weiterhin offen',
          'Zweite Erinnerung: 200,00 € weiterhin offen',
          'Letzte Erinnerung: Bitte begleichen Sie 200,00 € jetzt',
        ]);
        // The next stage asks a supervisor; nothing is handed over before the approval.
        const approvals = await activityCalls(id, 'createAgentTask');
        expect(described(approvals, [escalation], (t) => `create ${String(t.input.kind)}`)).toEqual([
          `create handoff-approval @ ${local(escalation)}`,
        ]);
        expect(await activityCalls(id, 'escalateCase')).toEqual([]);
        // The open claim: 200.00 principal + two dunning fees of 2.50 (the first reminder is free)
        // + default interest (the base rate + 5 points) from the day after the first reminder up to
        // the request's day (13 days, more when a Sunday or holiday delays a step).
        const requestDay = toLocal(escalation, TZ).date;
        const interestDays = (Date.parse(requestDay) - Date.parse(toLocal(notice, TZ).date)) / days(1);
        const rate = baseRateOn(requestDay).basisPoints + 500;
        const open = 20_000 + 500 + Math.round((20_000 * rate * interestDays) / 365 / 10_000);
        expect(await summariesOf(id, 'handoff-requested')).toEqual([
          expect.stringMatching(
            new RegExp(
              `^Hand-over approval: ${(open / 100).toFixed(2).replace('.', '\\.')} EUR open, \\d+ days past due`,
            ),
          ),
        ]);
        await world.cases.recordAgentOutcome(id, {
          taskKey: String(approvals[0]?.input.taskKey),
          agentId: 'supervisor-test',
          agentName: 'Sara Supervisorin',
          outcome: { kind: 'decision', decision: 'hand-over' },
        });
        // Handed over (the package and the agency's answers: test/workflow.handoff.test.ts); the
        // case waits in `escalated` until the agency reports, here until billing cancels it.
        await world.env.sleep(days(1));
        expect((await world.cases.state(id)).status).toBe('escalated');
        expect(await activityCalls(id, 'escalateCase')).toEqual([]);
        const handoffs = await world.db
          .selectFrom('handoffs')
          .select(['status', 'package'])
          .where('debtor_id', '=', id)
          .execute();
        expect(handoffs).toHaveLength(1);
        expect(handoffs[0]?.package.claim).toMatchObject({ principal: 20_000, currency: 'EUR' });
        const types = await timelineTypes(id);
        expect(types.slice(-2)).toEqual(['handoff-decided', 'handed-off']);
        await world.cases.cancel(id, 'test over');
        expect(await handle.result()).toMatchObject({ status: 'cancelled' });
        expect(await summariesOf(id, 'contact-skipped')).toEqual([
          'SMS reminder by sms skipped: no SMS contact point',
          'Agent call by call skipped: no call contact point',
          // The final notice goes by post first; without an address it falls back to e-mail.
          'Final notice by letter skipped: no letter contact point',
        ]);
      });
    },
  );

  it('opt-out mid-flow: after the first e-mail the debtor opts out; no further e-mail, the skips are in the timeline', async () => {
    const id = 'more-opt-out';
    const email = 'optout@example.com';
    // The phone with SMS consent keeps the debtor reachable, so the segment stays self-service.
    const debtor = profile(email, {
      phone: '+4915112345679',
      consents: { sms: true },
      digitalAffinity: 'high',
    });
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, debtor, 9900);
      expect((await handle.describe()).type).toBe('selfServiceOutreach');
      await world.env.sleep(days(1));
      expect(mailsTo(email)).toHaveLength(1);
      await world.db
        .updateTable('contact_points')
        .set({ opted_out_at: new Date(await world.env.currentTimeMs()) })
        .where('debtor_id', '=', id)
        .where('channel', '=', 'email')
        .execute();
      await world.cases.contactDataChanged(id);
      // Through the last step (the call, day 14), before the next stage (3 days later).
      await world.env.sleep(days(15));

      const reminder = start + days(5); // skipped at once: an opt-out is never, not "not now"
      const nudge = nextWindowStart(reminder + days(4), TZ, 'DE');
      expect(described(await activityCalls(id, 'sendMessage'), [start, nudge], sendWhat)).toEqual([
        `Portal link by email: sent @ ${local(start)}`,
        `SMS nudge by sms: skipped @ ${local(nudge)}`,
      ]);
      expect(mailsTo(email)).toHaveLength(1);
      expect((await handle.describe()).type).toBe('selfServiceOutreach');
      expect(await summariesOf(id, 'contact-skipped')).toEqual([
        'E-mail reminder by email skipped: debtor opted out of email',
        'SMS nudge by sms skipped: no SMS provider is configured',
        'SMS nudge by email skipped: debtor opted out of email',
        'Agent call by call skipped: no consent for call',
      ]);
      expect(await summariesOf(id, 'step-skipped')).toEqual([
        'E-mail reminder: no channel was allowed',
        'SMS nudge: no channel was allowed',
        'Agent call: no channel was allowed',
      ]);
      await world.cases.cancel(id, 'test over');
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    });
  });

  it('a payment booked without a signal between decision and send: nothing is sent, the skip is recorded, the case closes paid', async () => {
    const id = 'more-race';
    const email = 'race@example.com';
    let paidInRace = false;
    await withWorker(
      async () => {
        const start = await skipToTuesdayMorning();
        const handle = await openCase(id, profile(email, { digitalAffinity: 'high' }), 9900);
        expect((await handle.describe()).type).toBe('selfServiceOutreach');
        await world.env.sleep(days(60));

        expect(paidInRace).toBe(true);
        const reminder = nextWindowStart(start + days(5), TZ, 'DE');
        expect(described(await activityCalls(id, 'sendMessage'), [start, reminder], sendWhat)).toEqual([
          `Portal link by email: sent @ ${local(start)}`,
          `E-mail reminder by email: skipped @ ${local(reminder)}`,
        ]);
        expect(mailsTo(email)).toHaveLength(1);
        expect(await summariesOf(id, 'contact-skipped')).toEqual([
          'E-mail reminder by email skipped: nothing is open any more',
        ]);
        // The signal billing sends after booking: the case has already re-read the facts, or does it now.
        expect(['signalled', 'no-running-case']).toContain(await world.cases.paymentRecorded(id));
        const outcome = await handle.result();
        expect(outcome.status).toBe('paid');
        expect(Math.abs(Date.parse(outcome.closedAt) - reminder)).toBeLessThan(3 * MINUTE);
        const types = await timelineTypes(id);
        expect(types.slice(types.indexOf('payment-recorded'))).toEqual([
          'payment-recorded',
          'contact-skipped',
          'step-skipped',
          'case-closed',
        ]);
        expect(await summariesOf(id, 'case-closed')).toEqual(['Case closed: paid']);
      },
      {
        async beforeSend(input) {
          // Billing books the payment after the workflow decided to send the reminder, before it leaves.
          if (input.stepLabel !== 'E-mail reminder' || paidInRace) return;
          paidInRace = true;
          await recordPayment(world.db, id, {
            paymentId: 'p-race',
            amount: 9900,
            currency: 'EUR',
            paidAt: new Date().toISOString(),
          });
        },
      },
    );
  });
  it('the daily e-mail cap holds across a segment change: the first e-mail of the new segment waits for the next day', async () => {
    const id = 'more-cap';
    const email = 'cap@example.com';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, profile(email, { paymentHistory: { onTimeRate: 0.5 } }), 20_000);
      expect((await handle.describe()).type).toBe('assistedOutreach');
      await world.env.sleep(3_600_000);
      // 18 000 paid at 11:00: 2 000 left is a small balance; its reminder would be the second e-mail today.
      await recordPayment(world.db, id, {
        paymentId: 'p-cap',
        amount: 18_000,
        currency: 'EUR',
        paidAt: new Date().toISOString(),
      });
      await world.cases.paymentRecorded(id);
      await world.env.sleep(days(3));
      expect((await handle.describe()).type).toBe('smallBalanceOutreach');
      const nextDay = nextWindowStart(
        zonedTimeToEpoch(addDays(toLocal(start, TZ).date, 1), '00:00', TZ),
        TZ,
        'DE',
      );
      expect(described(await activityCalls(id, 'sendMessage'), [start, nextDay], sendWhat)).toEqual([
        `Reminder 1 by email: sent @ ${local(start)}`,
        `Friendly reminder by email: sent @ ${local(nextDay)}`,
      ]);
      expect(await summariesOf(id, 'contact-deferred')).toEqual([
        'Friendly reminder by email: Email cap: 1 per day reached',
      ]);
      await world.cases.cancel(id, 'test over');
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    });
  });
  it('an SMTP outage at the end of the contact window: the retried send does not leave outside the window', async () => {
    const id = 'more-smtp-outage';
    const email = 'outage@example.com';
    const simNow = () => Context.current().info.currentAttemptScheduledTimestampMs;
    let recoversAt = Infinity;
    // The mail server refuses (4xx, transient) until 20:30: the activity retries with backoff.
    const flaky: Mailer = {
      send: async (mail) => {
        if (simNow() < recoversAt) throw new TransientEmailError('421 try again later', 421);
        return world.mailer.send(mail);
      },
      close: () => undefined,
    };
    await withWorker(
      async () => {
        const tuesday = await skipToTuesdayMorning();
        const evening = tuesday + 9 * 3_600_000 + 50 * MINUTE; // Tuesday 19:50, 10 minutes before 20:00
        recoversAt = evening + 40 * MINUTE;
        await sleepUntil(evening);
        const handle = await openCase(id, profile(email, { paymentHistory: { onTimeRate: 0.5 } }), 20_000);
        await world.env.sleep(days(2));
        const rows = await world.db.selectFrom('outbox').selectAll().where('debtor_id', '=', id).execute();
        expect(rows.map((r) => r.status)).toEqual(['sent']);
        const sentAt = new Date(rows[0]!.sent_at!).getTime();
        const wednesday = nextWindowStart(evening + 3_600_000, TZ, 'DE');
        // Not at 20:30 on Tuesday, after the window closed: the next morning at the earliest.
        expect(local(sentAt), 'sent inside the window 08:00–20:00').toMatch(/ (0[89]|1\d):\d\d$/);
        expect(local(sentAt) >= local(wednesday)).toBe(true);
        expect(mailsTo(email)).toHaveLength(1);
        await world.cases.cancel(id, 'test over');
        expect(await handle.result()).toMatchObject({ status: 'cancelled' });
      },
      { mailer: flaky },
    );
  });

  it('a dispute opened while a step is under way defers the rest of the step instead of skipping it', async () => {
    const id = 'more-dispute-in-flight';
    const email = 'inflight@example.com';
    let disputed = false;
    const debtor = profile(email, {
      phone: '+4915112345670',
      consents: { sms: true },
      paymentHistory: { brokenPromises: 2 },
    });
    await withWorker(
      async () => {
        const start = await skipToTuesdayMorning();
        const handle = await openCase(id, debtor, 20_000);
        expect((await handle.describe()).type).toBe('highRiskOutreach');
        const resolved = start + days(4); // Saturday 10:00, inside the window
        await sleepUntil(resolved);
        expect(disputed).toBe(true);
        expect((await world.cases.state(id)).status).toBe('disputed');
        await world.cases.resolveDispute(id, 'resume');
        await world.env.sleep(3_600_000);

        // The SMS step: SMS first (no provider: skipped), the dispute comes in meanwhile; its e-mail
        // fallback must wait for the resolution, not be dropped as "case is disputed".
        const sms = start + days(2);
        expect(
          described((await activityCalls(id, 'sendMessage')).slice(0, 4), [start, sms, resolved], sendWhat),
        ).toEqual([
          `E-mail notice by email: sent @ ${local(start)}`,
          `SMS reminder by sms: skipped @ ${local(sms)}`,
          `SMS reminder by email: sent @ ${local(resolved)}`,
        ]);
        expect(await summariesOf(id, 'contact-skipped')).not.toContain(
          'SMS reminder by email skipped: case is disputed',
        );
        await world.cases.cancel(id, 'test over');
        expect(await handle.result()).toMatchObject({ status: 'cancelled' });
      },
      {
        async beforeSend(input) {
          // The debtor disputes the claim while the SMS of the step is being handed over.
          if (input.channel !== 'sms' || input.stepLabel !== 'SMS reminder' || disputed) return;
          disputed = true;
          await world.cases.openDispute(id, { reason: 'never ordered', source: 'api' });
        },
      },
    );
  });
});
