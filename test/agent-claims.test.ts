import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAgent, type Agent } from '../db/agents.js';
import { claimTask, inboxFor, reassignTask, releaseTask } from '../db/agent-tasks.js';
import { upsertDebtor } from '../db/billing.js';
import type { Database } from '../db/database.js';
import { migratedDatabase, testDatabases } from './setup/harness.js';

/** The queue and the claim on the database itself: PGlite always, PostgreSQL where CI provides it. */
describe.each(testDatabases)('agent task queue and claims on %s', (database) => {
  let db: Database;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ db, close } = await migratedDatabase(database));
    await upsertDebtor(db, 'd-1', { name: 'Erika', locale: 'de', timezone: 'Europe/Berlin' });
  });
  afterAll(() => close?.());

  let agentCount = 0;
  const agent = async (skills: string[], role: Agent['role'] = 'agent'): Promise<Agent> => {
    agentCount++;
    const { agent } = await upsertAgent(db, {
      email: `agent-${agentCount}@agents.test`,
      name: `Agent ${agentCount}`,
      role,
      skills,
      passwordHash: 'scrypt$test',
    });
    return agent;
  };

  const task = async (
    key: string,
    skills: string[],
    priority: number,
    dueInHours: number,
  ): Promise<number> => {
    const row = await db
      .insertInto('agent_tasks')
      .values({
        task_key: key,
        debtor_id: 'd-1',
        kind: 'call',
        label: key,
        required_skills: JSON.stringify(skills),
        status: 'open',
        due_at: new Date(Date.now() + dueInHours * 3_600_000),
        priority,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  };

  it('the queue holds only tasks whose skills the agent has, by priority, then deadline', async () => {
    const low = await task('q-low', ['lang:de'], 30, 1);
    const highLate = await task('q-high-late', ['lang:de'], 70, 48);
    const highSoon = await task('q-high-soon', ['lang:de'], 70, 2);
    const hardship = await task('q-hardship', ['hardship', 'lang:de'], 90, 1);
    const english = await task('q-en', ['lang:en'], 90, 1);
    const de = await agent(['lang:de']);
    const ids = (await inboxFor(db, de, new Date())).queue.map((t) => t.id);
    expect(ids.filter((id) => [low, highLate, highSoon, hardship, english].includes(id))).toEqual([
      highSoon,
      highLate,
      low,
    ]);
    const specialist = await agent(['hardship', 'lang:de', 'lang:en']);
    const all = (await inboxFor(db, specialist, new Date())).queue.map((t) => t.id);
    expect(all.slice(0, 2).sort()).toEqual([hardship, english].sort());
    // A claim outside the agent's skills finds nothing.
    expect(await claimTask(db, de, hardship)).toEqual({ ok: false, reason: 'not-found' });
  });

  it('20 concurrent claims: exactly one wins, every other is told who has the task', async () => {
    const id = await task('race', ['lang:de'], 50, 4);
    const racers = await Promise.all(Array.from({ length: 20 }, () => agent(['lang:de'])));
    const results = await Promise.all(racers.map((r) => claimTask(db, r, id)));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.ok ? winners[0]!.task.claimedByName : undefined;
    expect(results.filter((r) => !r.ok)).toEqual(
      Array(19).fill({ ok: false, reason: 'claimed', by: winner }),
    );
    // Claiming again is idempotent for the winner; release puts it back; a supervisor reassigns.
    const holder = racers.find((r) => r.name === winner)!;
    expect((await claimTask(db, holder, id)).ok).toBe(true);
    expect(
      await releaseTask(
        db,
        racers.find((r) => r !== holder)!,
        id,
      ),
    ).toBe(false);
    expect(await releaseTask(db, holder, id)).toBe(true);
    expect(await reassignTask(db, id, await agent(['lang:en']))).toBe(false);
    const target = racers[0]!;
    expect(await reassignTask(db, id, target)).toBe(true);
    expect((await inboxFor(db, target, new Date())).mine.map((t) => t.id)).toContain(id);
  });
});
