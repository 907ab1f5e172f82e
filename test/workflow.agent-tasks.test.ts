import { describe, expect, it } from 'vitest';
import type { DebtorProfile } from '../db/billing.js';
import { listCaseEvents } from '../db/case-events.js';
import { loadCaseSnapshot } from '../db/snapshot.js';
import { addDays, toLocal, zonedTimeToEpoch } from '../domain/contact-policy/index.js';
import { days } from '../domain/dates.js';
import type { AgentOutcome } from '../domain/agent-tasks.js';
import { activityCalls } from './setup/activity-calls.js';
import { keepHistory } from './setup/histories.js';
import { rejectionOf } from './setup/updates.js';
import { caseWorld, TZ } from './setup/time-skipping.js';

const MINUTE = 60_000;
const { world, withWorker, skipToTuesdayMorning, sleepUntil, profile, openCase } =
  caseWorld('agent-task-workflow-tests');

/** A-customer who may be called: the personal strategy calls first. */
const callable = (email: string): DebtorProfile =>
  profile(email, { phone: '+4915123456789', consents: { call: true }, customerValue: 'A' });

const tasksOf = (debtorId: string) =>
  world.db.selectFrom('agent_tasks').selectAll().where('debtor_id', '=', debtorId).orderBy('id').execute();

const report = (taskKey: string, outcome: AgentOutcome, note?: string) => ({
  taskKey,
  agentId: 'agent-test',
  agentName: 'Anna Agentin',
  outcome,
  note,
});

const berlin = (date: string, time: string) => zonedTimeToEpoch(date, time, TZ);

describe('agent tasks in the workflow (time-skipping server)', () => {
  it('a call task nobody answers is withdrawn at the end of the contact window on its SLA day; the strategy moves on', async () => {
    const id = 'agent-deadline';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, callable('deadline@example.com'), 40_000);
      expect((await handle.describe()).type).toBe('personalOutreach');
      await world.env.sleep(MINUTE);

      const [task] = await tasksOf(id);
      expect(task).toMatchObject({ kind: 'call', status: 'open', required_skills: ['lang:de'] });
      expect(task?.question).toMatch(/will they pay/);
      expect(task?.priority).toBeGreaterThanOrEqual(50);
      // Two days after Tuesday 10:00 is Thursday: due when Thursday's window closes, 20:00 Berlin.
      const thursday = addDays(toLocal(start, TZ).date, 2);
      expect(task?.due_at.getTime()).toBe(berlin(thursday, '20:00'));
      expect((await world.cases.state(id)).nextStep).toBe('Waiting for the agent: Agent call');

      await world.env.sleep(days(4));
      const [withdrawn] = await tasksOf(id);
      expect(withdrawn).toMatchObject({ status: 'withdrawn', close_reason: 'deadline passed' });
      // The written confirmation follows, at Friday 08:00 when the window opens again.
      const sends = await activityCalls(world.env, id, 'sendMessage');
      expect(sends.map((c) => c.input.stepLabel)).toEqual(['Written confirmation']);
      expect(Math.abs(sends[0]!.at - berlin(addDays(thursday, 1), '08:00'))).toBeLessThan(3 * MINUTE);
      await world.cases.cancel(id, 'test over');
      await handle.result();
    });
  });

  it('the update takes only the awaited task and sane values; a promise pauses the case and counts as a conversation', async () => {
    const id = 'agent-promise';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, callable('promise@example.com'), 40_000);
      await world.env.sleep(MINUTE);
      const [task] = await tasksOf(id);
      const today = toLocal(start, TZ).date;
      const friday = addDays(today, 3);

      expect(
        await rejectionOf(world.cases.recordAgentOutcome(id, report('some-other-task', { kind: 'refuses' }))),
      ).toMatch(/not waiting for this task/);
      expect(
        await rejectionOf(
          world.cases.recordAgentOutcome(
            id,
            report(task!.task_key, { kind: 'promise', date: addDays(today, -5) }),
          ),
        ),
      ).toMatch(/in the past/);
      expect(
        await rejectionOf(
          world.cases.recordAgentOutcome(
            id,
            report(task!.task_key, { kind: 'promise', date: friday, amount: 90_000 }),
          ),
        ),
      ).toMatch(/at most the open amount/);
      const evening = new Date(berlin(addDays(today, 1), '21:30')).toISOString();
      expect(
        await rejectionOf(
          world.cases.recordAgentOutcome(id, report(task!.task_key, { kind: 'call-back', at: evening })),
        ),
      ).toMatch(/outside the debtor's contact window/);
      expect((await tasksOf(id))[0]?.status).toBe('open');

      const answer = await world.cases.recordAgentOutcome(
        id,
        report(task!.task_key, { kind: 'promise', date: friday }, 'Pays on Friday after payday'),
      );
      expect(answer).toMatchObject({ status: 'promised' });
      expect((await tasksOf(id))[0]).toMatchObject({ status: 'done', call_result: 'conversation' });
      await world.env.sleep(MINUTE);
      const state = await world.cases.state(id);
      expect(state.status).toBe('promised');
      // Friday ends at midnight in Berlin, plus a day of grace for booking.
      expect(state.promisedUntil).toBe(new Date(berlin(addDays(friday, 1), '00:00') + days(1)).toISOString());
      expect(state.nextStep).toBe('Written confirmation (after the pause)');
      const events = await listCaseEvents(world.db, id);
      expect(events.find((e) => e.type === 'agent-outcome')).toMatchObject({
        source: 'agent',
        summary: `Agent call: reached, promise to pay everything open by ${friday} (Anna Agentin) · Note: Pays on Friday after payday`,
      });
      expect(events.map((e) => e.type)).toContain('promise-made');
      // The conversation is in the contact history the call caps read.
      const { history } = await loadCaseSnapshot(world.db, id, new Date());
      expect(history.filter((h) => h.channel === 'call').map((h) => h.outcome)).toEqual(['conversation']);
      // Answered once: a second outcome for the same task is refused.
      expect(
        await rejectionOf(world.cases.recordAgentOutcome(id, report(task!.task_key, { kind: 'refuses' }))),
      ).toMatch(/not waiting for this task/);
      await world.cases.cancel(id, 'test over');
      await handle.result();
    });
  });

  it('a call-back becomes a new task due at the asked time; an unanswered call-back counts and the strategy moves on', async () => {
    const id = 'agent-call-back';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, callable('callback@example.com'), 40_000);
      await world.env.sleep(MINUTE);
      const [task] = await tasksOf(id);
      const wednesday = addDays(toLocal(start, TZ).date, 1);
      const at = berlin(wednesday, '11:00');
      const answer = await world.cases.recordAgentOutcome(
        id,
        report(task!.task_key, { kind: 'call-back', at: new Date(at).toISOString() }),
      );
      expect(answer.message).toContain('call-back');
      await world.env.sleep(MINUTE);
      const [first, callBack] = await tasksOf(id);
      expect(first).toMatchObject({ status: 'done', call_result: 'attempt' });
      expect(callBack).toMatchObject({
        kind: 'call-back',
        status: 'open',
        task_key: `${task!.task_key}/call-back-1`,
        label: 'Agent call: call-back',
      });
      expect(callBack?.due_at.getTime()).toBe(at);
      expect(callBack?.priority).toBeGreaterThan(task!.priority);

      await sleepUntil(at + 5 * MINUTE);
      await world.cases.recordAgentOutcome(
        id,
        report(callBack!.task_key, { kind: 'not-reached', reason: 'voicemail' }),
      );
      await world.env.sleep(MINUTE);
      expect((await tasksOf(id)).map((t) => [t.status, t.call_result])).toEqual([
        ['done', 'attempt'],
        ['done', 'attempt'],
      ]);
      expect((await activityCalls(world.env, id, 'sendMessage')).map((c) => c.input.stepLabel)).toEqual([
        'Written confirmation',
      ]);
      await world.cases.cancel(id, 'test over');
      await handle.result();
      await keepHistory('agent-call-back', handle);
    });
  });

  it('hardship moves the case to protected, whose review needs the hardship skill', async () => {
    const id = 'agent-hardship';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      const handle = await openCase(id, callable('hardship@example.com'), 40_000);
      await world.env.sleep(MINUTE);
      const [task] = await tasksOf(id);
      await world.cases.recordAgentOutcome(id, report(task!.task_key, { kind: 'hardship' }, 'Lost her job'));
      await world.env.sleep(MINUTE);
      expect((await handle.describe()).type).toBe('protectedCase');
      const tasks = await tasksOf(id);
      expect(tasks.map((t) => [t.kind, t.status])).toEqual([
        ['call', 'done'],
        ['protected-review', 'open'],
      ]);
      expect(tasks[1]?.required_skills).toEqual(['hardship', 'lang:de']);
      const debtor = await world.db
        .selectFrom('debtors')
        .select('flags')
        .where('id', '=', id)
        .executeTakeFirst();
      expect(debtor?.flags).toEqual(['hardship']);
      expect((await world.cases.state(id)).status).toBe('paused');
      await world.cases.cancel(id, 'test over');
      await handle.result();
      await keepHistory('agent-hardship-protected', handle);
    });
  });
});
