import {
  createAgentTask,
  recordAgentOutcome,
  withdrawAgentTasks,
  type NewAgentTask,
} from '../db/agent-tasks.js';
import type { Database } from '../db/database.js';
import type { AgentOutcomeReport } from '../domain/agent-tasks.js';

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
      await withdrawAgentTasks(db, input.debtorId, input.reason, input.taskKey);
    },

    /** Every task of the debtor still open or claimed (the case closed: nothing is left in the inbox). */
    async withdrawOpenAgentTasks(input: { debtorId: string; reason: string }): Promise<void> {
      await withdrawAgentTasks(db, input.debtorId, input.reason);
    },

    /**
     * Once per task: true when this report is stored (now, or by an earlier attempt of the same
     * activity), false when the task was closed otherwise meanwhile (withdrawn, answered by another).
     */
    async completeAgentTask(input: { debtorId: string } & AgentOutcomeReport): Promise<boolean> {
      return recordAgentOutcome(db, input);
    },
  };
}
