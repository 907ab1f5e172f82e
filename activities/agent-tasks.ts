import { sql } from 'kysely';
import { createAgentTask, type NewAgentTask } from '../db/agent-tasks.js';
import { audit, auditActor } from '../db/audit.js';
import { recordCaseEvent } from '../db/case-events.js';
import type { Database } from '../db/database.js';
import { callResult, describeOutcome, type AgentOutcomeReport } from '../domain/agent-tasks.js';
import type { AgentTaskKind } from '../domain/strategies/types.js';

/** What a workflow step asks for; older workflow code sent no priority or question. */
export type CreateAgentTaskInput = Omit<NewAgentTask, 'source'>;

/**
 * The agent task activities: the workflow creates a task, withdraws it, and stores the outcome an
 * agent reported, with its effects on the facts (invalid phone, hardship flag) and the timeline.
 */
export function createAgentTaskActivities(db: Database, highValueFrom: () => number) {
  return {
    async createAgentTask(input: CreateAgentTaskInput): Promise<void> {
      await createAgentTask(db, { ...input, source: 'workflow' }, highValueFrom());
    },

    async withdrawAgentTask(input: { debtorId: string; taskKey: string; reason: string }): Promise<void> {
      await withdrawTasks(db, input.debtorId, input.reason, input.taskKey);
    },

    /** Every task of the debtor still open or claimed (the case closed: nothing is left in the inbox). */
    async withdrawOpenAgentTasks(input: { debtorId: string; reason: string }): Promise<void> {
      await withdrawTasks(db, input.debtorId, input.reason);
    },

    /**
     * Once per task: true when this report is stored (now, or by an earlier attempt of the same
     * activity), false when the task was closed otherwise meanwhile (withdrawn, answered by another).
     */
    async completeAgentTask(input: { debtorId: string } & AgentOutcomeReport): Promise<boolean> {
      const { outcome } = input;
      return db.transaction().execute(async (trx) => {
        const task = await trx
          .selectFrom('agent_tasks')
          .select(['kind', 'label', 'status', 'outcome_by'])
          .where('task_key', '=', input.taskKey)
          .executeTakeFirstOrThrow();
        const done = await trx
          .updateTable('agent_tasks')
          .set({
            status: 'done',
            closed_at: new Date(),
            close_reason: 'outcome recorded',
            outcome: JSON.stringify({ ...outcome, note: input.note ?? null }),
            outcome_by: input.agentId,
            call_result: callResult(task.kind as AgentTaskKind, outcome),
          })
          .where('task_key', '=', input.taskKey)
          .where('status', 'in', ['open', 'claimed'])
          .returning('id')
          .executeTakeFirst();
        // A retry after the first attempt committed: this agent's answer is the one stored.
        if (!done) return task.status === 'done' && task.outcome_by === input.agentId;
        const now = new Date();
        if (outcome.kind === 'not-reached' && outcome.reason === 'wrong-number') {
          await trx
            .updateTable('contact_points')
            .set({ invalid_at: now, updated_at: now })
            .where('debtor_id', '=', input.debtorId)
            .where('channel', 'in', ['sms', 'call'])
            .execute();
          await audit(trx, {
            actor: auditActor.agent(input.agentId),
            action: 'contact.changed',
            debtorId: input.debtorId,
            detail: { channel: 'phone', change: 'invalid', source: 'agent' },
          });
        }
        if (outcome.kind === 'hardship') {
          await trx
            .updateTable('debtors')
            .set({
              flags: sql<string>`(select coalesce(jsonb_agg(distinct f), '[]'::jsonb) from jsonb_array_elements_text(flags || '["hardship"]'::jsonb) f)`,
              // The agent's finding: a billing PUT without the flag does not remove it.
              flag_sources: sql<string>`flag_sources || '{"hardship":"agent"}'::jsonb`,
              updated_at: now,
            })
            .where('id', '=', input.debtorId)
            .execute();
          await audit(trx, {
            actor: auditActor.agent(input.agentId),
            action: 'flags.changed',
            debtorId: input.debtorId,
            detail: { added: ['hardship'], source: 'agent' },
          });
        }
        await recordCaseEvent(trx, {
          debtorId: input.debtorId,
          source: 'agent',
          type: 'agent-outcome',
          summary: `${task.label}: ${describeOutcome(outcome)} (${input.agentName})${input.note ? ` · Note: ${input.note}` : ''}`,
          data: { taskKey: input.taskKey, agentId: input.agentId, outcome },
          dedupeKey: `${input.taskKey}/outcome`,
        });
        return true;
      });
    },
  };
}

/** Withdraws the task with the key, or all open tasks of the debtor, each with a timeline entry. */
async function withdrawTasks(
  db: Database,
  debtorId: string,
  reason: string,
  taskKey?: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let query = trx
      .updateTable('agent_tasks')
      .set({ status: 'withdrawn', closed_at: new Date(), close_reason: reason })
      .where('status', 'in', ['open', 'claimed']);
    query =
      taskKey === undefined ? query.where('debtor_id', '=', debtorId) : query.where('task_key', '=', taskKey);
    const withdrawn = await query.returning('label').execute();
    for (const task of withdrawn) {
      await recordCaseEvent(trx, {
        debtorId,
        source: 'workflow',
        type: 'agent-task-withdrawn',
        summary: `Agent task withdrawn: ${task.label} (${reason})`,
      });
    }
  });
}
