import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { CaseClient } from '../../client/cases.js';
import type { Agent } from '../../db/agents.js';
import {
  accessTo,
  claimTask,
  findTask,
  foundChannels,
  releaseTask,
  storeFoundContactData,
  type AgentTask,
  type FoundContactData,
} from '../../db/agent-tasks.js';
import type { Database } from '../../db/database.js';
import { isSupervisor } from '../../domain/agents.js';
import type { AgentOutcome } from '../../domain/agent-tasks.js';
import type { AgentTaskKind } from '../../domain/strategies/types.js';
import type { CaseAnswer } from '../../workflows/messages.js';

/** A refusal with the HTTP status it maps to; the message is safe to show the agent. */
export class TaskActionError extends Error {
  constructor(
    readonly status: 403 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'TaskActionError';
  }
}

const NOT_FOUND = 'no such task in your queue';

/**
 * What an agent may do with a task, the same for the inbox and the API: see it, claim it, release
 * it, and report the outcome, which the case workflow validates and answers at once.
 */
export class AgentTaskService {
  constructor(
    private readonly db: Database,
    private readonly cases: CaseClient,
  ) {}

  /** The task if the agent may see it; 404 outside their skills, 403 when another agent has it. */
  async visibleTask(agent: Agent, id: number): Promise<AgentTask> {
    const task = await findTask(this.db, id);
    const access = accessTo(agent, task);
    if (access === 'not-found' || !task) throw new TaskActionError(404, NOT_FOUND);
    if (access === 'forbidden') {
      throw new TaskActionError(403, `${task.claimedByName ?? 'another agent'} is working on this task`);
    }
    return task;
  }

  async claim(agent: Agent, id: number): Promise<AgentTask> {
    const result = await claimTask(this.db, agent, id);
    if (result.ok) return result.task;
    if (result.reason === 'not-found') throw new TaskActionError(404, NOT_FOUND);
    if (result.reason === 'claimed')
      throw new TaskActionError(409, `${result.by} has already claimed this task`);
    throw new TaskActionError(409, `the task is ${result.status}`);
  }

  async release(agent: Agent, id: number): Promise<void> {
    await this.visibleTask(agent, id);
    if (!(await releaseTask(this.db, agent, id))) {
      throw new TaskActionError(409, 'the task is not claimed by you');
    }
  }

  /**
   * Found contact data goes to the database first (it never enters the workflow); then the case
   * workflow gets the outcome as an update and answers, or rejects it with a reason.
   */
  async recordOutcome(
    agent: Agent,
    id: number,
    report: { outcome: AgentOutcome; note?: string | undefined; contactData?: FoundContactData | undefined },
  ): Promise<CaseAnswer> {
    const task = await this.visibleTask(agent, id);
    const mayAnswer = task.status === 'claimed' && (task.claimedBy === agent.id || isSupervisor(agent.role));
    if (!mayAnswer) {
      throw new TaskActionError(
        409,
        task.status === 'open' ? 'claim the task first' : `the task is ${task.status}`,
      );
    }
    let outcome = report.outcome;
    if (outcome.kind === 'data-found') {
      const channels = report.contactData ? foundChannels(report.contactData) : [];
      if (!report.contactData || channels.length === 0) {
        throw new TaskActionError(422, 'data-found needs an e-mail address or a phone number');
      }
      await storeFoundContactData(this.db, task.debtorId, report.contactData, agent.name);
      outcome = { kind: 'data-found', channels };
    }
    try {
      return await this.cases.recordAgentOutcome(task.debtorId, {
        taskKey: task.taskKey,
        taskKind: task.kind as AgentTaskKind,
        agentId: agent.id,
        agentName: agent.name,
        outcome,
        note: report.note || undefined,
      });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        throw new TaskActionError(422, error.cause?.message ?? error.message);
      }
      if (error instanceof WorkflowNotFoundError) throw new TaskActionError(409, 'the case is closed');
      throw error;
    }
  }
}
