import { describe, expect, it } from 'vitest';
import type { AgentOutcome } from '../domain/agent-tasks.js';
import { days } from '../domain/dates.js';
import { keepHistory } from './setup/histories.js';
import { caseWorld } from './setup/time-skipping.js';
import { rejectionOf } from './setup/updates.js';

/**
 * The supervisors' decisions at the end of a strategy, answered (time-skipping server, real
 * activities and PGlite): a write-off above the automatic limit, and a case research could not make
 * contactable.
 */

const { world, withWorker, skipToTuesdayMorning, profile, openCase, summariesOf } = caseWorld(
  'next-stage-workflow-tests',
  { sentAtOnTestClock: true },
);

async function openTask(debtorId: string, kind: string) {
  return world.db
    .selectFrom('agent_tasks')
    .select(['task_key', 'required_skills', 'question'])
    .where('debtor_id', '=', debtorId)
    .where('kind', '=', kind)
    .where('status', '=', 'open')
    .executeTakeFirst();
}

const decide = (taskKey: string, outcome: AgentOutcome) => ({
  taskKey,
  agentId: 'supervisor-test',
  agentName: 'Sara Supervisorin',
  outcome,
});

describe('next stages decided by a supervisor (time-skipping server)', () => {
  it('small-balance above the automatic limit: a write-off approval; the supervisor approves, the claim stays', async () => {
    const id = 'next-write-off';
    await withWorker(async () => {
      const start = await skipToTuesdayMorning();
      const handle = await openCase(id, profile('write-off@example.com'), 2_000);
      expect((await handle.describe()).type).toBe('smallBalanceOutreach');
      await world.env.sleep(days(15));

      expect((await handle.describe()).status.name).toBe('RUNNING');
      const task = await openTask(id, 'write-off-approval');
      expect(task?.required_skills).toContain('supervisor');
      expect(await summariesOf(id, 'write-off-requested')).toEqual([
        // The open claim: 20.00 principal + 0.05 default interest since the day after the reminder.
        expect.stringMatching(/^Write-off approval: 20\.05 EUR open/),
      ]);
      const key = task!.task_key;
      expect(
        await rejectionOf(
          world.cases.recordAgentOutcome(id, decide(key, { kind: 'decision', decision: 'hand-over' })),
        ),
      ).toMatch(/decision: a write-off-approval task decides write-off or keep/);
      expect(await rejectionOf(world.cases.recordAgentOutcome(id, decide(key, { kind: 'refuses' })))).toMatch(
        /cannot end with refuses/,
      );
      await world.cases.recordAgentOutcome(id, decide(key, { kind: 'decision', decision: 'write-off' }));

      const outcome = await handle.result();
      expect(outcome.status).toBe('written-off');
      expect(Date.parse(outcome.closedAt) - start).toBeLessThan(days(15) + days(1));
      expect(await summariesOf(id, 'write-off-decided')).toEqual([
        'Supervisor decided: write off the open balance',
      ]);
      const invoices = await world.db
        .selectFrom('invoices')
        .select('id')
        .where('debtor_id', '=', id)
        .execute();
      expect(invoices).toHaveLength(1);
      await keepHistory('next-stage-write-off-approved', handle);
    });
  });

  it('data-collection: research three times, then the supervisor keeps the case and research starts again', async () => {
    const id = 'next-data';
    await withWorker(async () => {
      await skipToTuesdayMorning();
      const handle = await openCase(id, profile(undefined), 9_900);
      const firstRun = await handle.describe();
      expect(firstRun.type).toBe('dataCollection');
      // Research at once (5 days), again 7 days after each, then the decision: day 36.
      await world.env.sleep(days(37));

      const research = await world.db
        .selectFrom('agent_tasks')
        .select(['kind', 'status', 'label'])
        .where('debtor_id', '=', id)
        .where('kind', '=', 'data-research')
        .orderBy('id')
        .execute();
      expect(research.map((t) => t.label)).toEqual([
        'Research contact data',
        'Research contact data (round 2)',
        'Research contact data (round 3)',
      ]);
      const task = await openTask(id, 'supervisor-decision');
      expect(task?.question).toMatch(/hand the case over, write it off, or keep it/);
      expect(await summariesOf(id, 'handoff-requested')).toEqual([
        expect.stringMatching(/^Supervisor decision: 99\.00 EUR open/),
      ]);
      await world.cases.recordAgentOutcome(
        id,
        decide(task!.task_key, { kind: 'decision', decision: 'keep' }),
      );

      await world.env.sleep(days(1));
      expect(await summariesOf(id, 'handoff-decided')).toEqual([
        'Supervisor decided: keep the case in outreach',
      ]);
      expect((await world.cases.state(id)).episode).toBe(2);
      expect((await handle.describe()).type).toBe('dataCollection');
      expect(await openTask(id, 'data-research')).toBeDefined();

      await world.cases.cancel(id, 'test over');
      expect(await handle.result()).toMatchObject({ status: 'cancelled' });
      const first = world.env.client.workflow.getHandle(handle.workflowId, firstRun.runId);
      await keepHistory('next-stage-data-collection-kept', first);
    });
  });
});
