import type { AgentTaskKind } from '../domain/strategies/types.js';
import { recordCaseEvent } from './case-events.js';
import type { Database } from './database.js';
import type { EventSource } from './schema.js';

const SKILLS_BY_TASK: Record<AgentTaskKind, string[]> = {
  call: [],
  'data-research': [],
  'protected-review': ['hardship'],
  'escalation-approval': ['legal'],
  'dispute-review': ['disputes'],
  'call-back': [],
};

export interface NewAgentTask {
  debtorId: string;
  /** Idempotency: a repeated call with the same key finds the task and changes nothing. */
  taskKey: string;
  kind: AgentTaskKind;
  label: string;
  dueAt: number;
  /** Who asked for it: the workflow (a strategy step, a portal dispute) or the portal itself. */
  source: EventSource;
}

/** Opens an agent task once per key, with the skills it needs, and puts it in the timeline. */
export async function createAgentTask(db: Database, task: NewAgentTask): Promise<boolean> {
  const debtor = await db
    .selectFrom('debtors')
    .select('locale')
    .where('id', '=', task.debtorId)
    .executeTakeFirst();
  return db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('agent_tasks')
      .values({
        task_key: task.taskKey,
        debtor_id: task.debtorId,
        kind: task.kind,
        label: task.label,
        required_skills: JSON.stringify([`lang:${debtor?.locale ?? 'en'}`, ...SKILLS_BY_TASK[task.kind]]),
        status: 'open',
        due_at: new Date(task.dueAt),
      })
      .onConflict((oc) => oc.column('task_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (created) {
      await recordCaseEvent(trx, {
        debtorId: task.debtorId,
        source: task.source,
        type: 'agent-task-created',
        summary: `Agent task: ${task.label}, due ${new Date(task.dueAt).toISOString()}`,
        data: { kind: task.kind, taskKey: task.taskKey },
      });
    }
    return created !== undefined;
  });
}
