import { sql } from 'kysely';
import { hasSkills, isSupervisor, skillsOf } from '../domain/agents.js';
import type { Agent } from './agents.js';
import { audit, auditActor } from './audit.js';
import type { Database } from './database.js';
import { resolveNotes } from './notes.js';
import {
  callResult,
  describeOutcome,
  requiredSkills,
  TASK_QUESTIONS,
  taskPriority,
  type AgentOutcomeReport,
} from '../domain/agent-tasks.js';
import { defaultSegmentationConfig } from '../domain/segmentation/config.js';
import type { AgentTaskKind } from '../domain/strategies/types.js';
import { recordCaseEvent } from './case-events.js';
import { loadDebtorFacts } from './facts.js';
import type { AgentTaskStatus, EventSource } from './schema.js';

/**
 * Agent tasks as the inbox sees them. Claims are single conditional UPDATEs, so two agents who
 * click at once cannot both win: the database decides, the loser is told who has the task.
 */
export interface AgentTask {
  id: number;
  taskKey: string;
  debtorId: string;
  kind: string;
  label: string;
  question: string;
  priority: number;
  requiredSkills: string[];
  status: AgentTaskStatus;
  dueAt: Date;
  createdAt: Date;
  claimedBy: string | null;
  claimedByName: string | null;
  claimedAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
  outcome: Record<string, unknown> | null;
}

function taskQuery(db: Database) {
  return db
    .selectFrom('agent_tasks as t')
    .leftJoin('agents as a', 'a.id', 't.claimed_by')
    .select([
      't.id',
      't.task_key as taskKey',
      't.debtor_id as debtorId',
      't.kind',
      't.label',
      't.question',
      't.priority',
      't.required_skills as requiredSkills',
      't.status',
      't.due_at as dueAt',
      't.created_at as createdAt',
      't.claimed_by as claimedBy',
      'a.name as claimedByName',
      't.claimed_at as claimedAt',
      't.closed_at as closedAt',
      't.close_reason as closeReason',
      't.outcome',
    ]);
}

const skillsJson = (agent: Pick<Agent, 'skills' | 'role'>) =>
  sql<string>`${JSON.stringify(skillsOf(agent))}::jsonb`;

export interface Inbox {
  /** Claimed by the agent, oldest deadline first. */
  mine: AgentTask[];
  /** Open tasks the agent has every required skill for: priority, then deadline. */
  queue: AgentTask[];
  /** Tasks of the agent's that the case withdrew in the last day (deadline, payment, pause). */
  withdrawn: AgentTask[];
}

export function inboxFor(db: Database, agent: Agent, now: Date, limit = 100): Promise<Inbox> {
  // One snapshot for all three lists: a task withdrawn between two reads is in one list, not two.
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((trx) => readInbox(trx, agent, now, limit));
}

async function readInbox(db: Database, agent: Agent, now: Date, limit: number): Promise<Inbox> {
  const mine = await taskQuery(db)
    .where('t.status', '=', 'claimed')
    .where('t.claimed_by', '=', agent.id)
    .orderBy('t.due_at')
    .execute();
  const queue = await taskQuery(db)
    .where('t.status', '=', 'open')
    .where(sql<boolean>`t.required_skills <@ ${skillsJson(agent)}`)
    .orderBy('t.priority', 'desc')
    .orderBy('t.due_at')
    .orderBy('t.id')
    .limit(limit)
    .execute();
  const withdrawn = await taskQuery(db)
    .where('t.status', '=', 'withdrawn')
    .where('t.closed_at', '>', new Date(now.getTime() - 86_400_000))
    .where((eb) =>
      eb.or([
        eb('t.claimed_by', '=', agent.id),
        eb(sql<boolean>`t.required_skills <@ ${skillsJson(agent)}`, '=', true),
      ]),
    )
    .orderBy('t.closed_at', 'desc')
    .limit(20)
    .execute();
  return { mine, queue, withdrawn };
}

/** The task, its outcome's note reference shown as the note's words. */
export async function findTask(db: Database, id: number): Promise<AgentTask | undefined> {
  const task = await taskQuery(db).where('t.id', '=', id).executeTakeFirst();
  const note = task?.outcome?.note;
  if (!task || typeof note !== 'string') return task;
  const [text] = await resolveNotes(db, [note]);
  return { ...task, outcome: { ...task.outcome, note: text } };
}

export type TaskAccess = 'ok' | 'not-found' | 'forbidden';

/**
 * An agent sees a task when they have its skills and nobody else has claimed it; supervisors see
 * every task. An unknown task and one outside the agent's skills look the same to the agent.
 */
export function accessTo(agent: Agent, task: AgentTask | undefined): TaskAccess {
  if (!task) return 'not-found';
  if (isSupervisor(agent.role)) return 'ok';
  if (!hasSkills(skillsOf(agent), task.requiredSkills)) return 'not-found';
  if (task.claimedBy !== null && task.claimedBy !== agent.id) return 'forbidden';
  return 'ok';
}

export type ClaimResult =
  | { ok: true; task: AgentTask }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'claimed'; by: string }
  | { ok: false; reason: 'closed'; status: AgentTaskStatus };

/** One conditional UPDATE: of many concurrent claims exactly one changes the row. */
export async function claimTask(db: Database, agent: Agent, id: number): Promise<ClaimResult> {
  const claimed = await db
    .updateTable('agent_tasks')
    .set({ status: 'claimed', claimed_by: agent.id, claimed_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .where(sql<boolean>`required_skills <@ ${skillsJson(agent)}`)
    .returning('id')
    .executeTakeFirst();
  const task = await findTask(db, id);
  if (!task || (!claimed && !hasSkills(skillsOf(agent), task.requiredSkills)))
    return { ok: false, reason: 'not-found' };
  if (task.status === 'claimed' && task.claimedBy === agent.id) return { ok: true, task };
  if (task.status === 'claimed')
    return { ok: false, reason: 'claimed', by: task.claimedByName ?? 'another agent' };
  return { ok: false, reason: 'closed', status: task.status };
}

/** Back to the queue; only the agent who has it, or a supervisor. */
export async function releaseTask(db: Database, agent: Agent, id: number): Promise<boolean> {
  let query = db
    .updateTable('agent_tasks')
    .set({ status: 'open', claimed_by: null, claimed_at: null })
    .where('id', '=', id)
    .where('status', '=', 'claimed');
  if (!isSupervisor(agent.role)) query = query.where('claimed_by', '=', agent.id);
  return (await query.returning('id').executeTakeFirst()) !== undefined;
}

/** A supervisor hands an open or claimed task to an agent who has its skills. */
export async function reassignTask(db: Database, id: number, to: Agent): Promise<boolean> {
  const moved = await db
    .updateTable('agent_tasks')
    .set({ status: 'claimed', claimed_by: to.id, claimed_at: new Date() })
    .where('id', '=', id)
    .where('status', 'in', ['open', 'claimed'])
    .where(sql<boolean>`required_skills <@ ${skillsJson(to)}`)
    .returning('id')
    .executeTakeFirst();
  return moved !== undefined;
}

export interface SupervisorOverview {
  queueBySkill: { skill: string; open: number }[];
  pastDue: AgentTask[];
  byAgent: { agentId: string; name: string; claimed: number; doneToday: number }[];
  active: AgentTask[];
}

export async function supervisorOverview(db: Database, now: Date): Promise<SupervisorOverview> {
  const queueBySkill = await db
    .selectFrom(sql<{ skill: string }>`agent_tasks t, jsonb_array_elements_text(t.required_skills)`.as('s'))
    .select([sql<string>`value`.as('skill'), sql<number>`count(*)::int`.as('open')])
    .where(sql<boolean>`t.status = 'open'`)
    .groupBy(sql`value`)
    .orderBy(sql`value`)
    .execute();
  const pastDue = await taskQuery(db)
    .where('t.status', 'in', ['open', 'claimed'])
    .where('t.due_at', '<', now)
    .orderBy('t.due_at')
    .execute();
  const startOfDay = new Date(now.getTime() - 86_400_000);
  const byAgent = await db
    .selectFrom('agents as a')
    .leftJoin('agent_tasks as t', 't.claimed_by', 'a.id')
    .select([
      'a.id as agentId',
      'a.name',
      sql<number>`count(*) filter (where t.status = 'claimed')::int`.as('claimed'),
      sql<number>`count(*) filter (where t.status = 'done' and t.closed_at > ${startOfDay})::int`.as(
        'doneToday',
      ),
    ])
    .where('a.active', '=', true)
    .groupBy(['a.id', 'a.name'])
    .orderBy('a.name')
    .execute();
  const active = await taskQuery(db)
    .where('t.status', 'in', ['open', 'claimed'])
    .orderBy('t.priority', 'desc')
    .orderBy('t.due_at')
    .limit(200)
    .execute();
  return { queueBySkill, pastDue, byAgent, active };
}

export interface FoundContactData {
  email?: string | undefined;
  phone?: string | undefined;
  /** What the debtor agreed to on the phone; a found number is never called or texted without it. */
  callConsent?: boolean | undefined;
  smsConsent?: boolean | undefined;
}

/** Channels the outcome reports to the workflow; the addresses themselves stay here. */
export const foundChannels = (data: FoundContactData): ('email' | 'phone')[] => [
  ...(data.email ? (['email'] as const) : []),
  ...(data.phone ? (['phone'] as const) : []),
];

/** An agent found an address: it replaces the old one, valid and not opted out. */
export async function storeFoundContactData(
  db: Database,
  debtorId: string,
  data: FoundContactData,
  agentName: string,
): Promise<void> {
  const points: { channel: 'email' | 'sms' | 'call'; address: string; consent: boolean }[] = [
    ...(data.email ? [{ channel: 'email' as const, address: data.email, consent: true }] : []),
    ...(data.phone
      ? [
          { channel: 'sms' as const, address: data.phone, consent: data.smsConsent ?? false },
          { channel: 'call' as const, address: data.phone, consent: data.callConsent ?? false },
        ]
      : []),
  ];
  await db.transaction().execute(async (trx) => {
    for (const point of points) {
      const row = {
        address: point.address,
        consent: point.consent,
        consent_source: 'agent',
        opted_out_at: null,
        invalid_at: null,
      };
      await trx
        .insertInto('contact_points')
        .values({ debtor_id: debtorId, channel: point.channel, ...row })
        .onConflict((oc) =>
          oc.columns(['debtor_id', 'channel']).doUpdateSet({ ...row, updated_at: new Date() }),
        )
        .execute();
    }
    await recordCaseEvent(trx, {
      debtorId,
      source: 'agent',
      type: 'contact-data-found',
      summary: `New contact data found by ${agentName}: ${foundChannels(data).join(', ')}`,
    });
  });
}

export interface NewAgentTask {
  debtorId: string;
  /** Idempotency: a repeated call with the same key finds the task and changes nothing. */
  taskKey: string;
  kind: AgentTaskKind;
  label: string;
  dueAt: number;
  /** Who asked for it: the workflow (a strategy step, a portal dispute) or the portal itself. */
  source: EventSource;
  /** Set by a workflow step; otherwise derived from the kind and the case. */
  priority?: number | undefined;
  question?: string | undefined;
}

/**
 * Opens an agent task once per key, with the skills it needs (language, kind, what the case calls
 * for), its priority and question, and puts it in the timeline. True when it was created now.
 */
export async function createAgentTask(
  db: Database,
  task: NewAgentTask,
  highValueFrom = defaultSegmentationConfig.personalMinOpenAmount,
): Promise<boolean> {
  const facts = await loadDebtorFacts(db, task.debtorId, new Date());
  const skills = requiredSkills(
    task.kind,
    {
      locale: facts.locale,
      flags: facts.debtor?.flags ?? [],
      b2b: facts.debtor?.attributes.b2b === true,
      openAmount: facts.openAmount,
    },
    highValueFrom,
  );
  return db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('agent_tasks')
      .values({
        task_key: task.taskKey,
        debtor_id: task.debtorId,
        kind: task.kind,
        label: task.label,
        required_skills: JSON.stringify(skills),
        status: 'open',
        due_at: new Date(task.dueAt),
        priority: task.priority ?? taskPriority(task.kind, facts, highValueFrom),
        question: task.question ?? TASK_QUESTIONS[task.kind],
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
        data: { kind: task.kind, taskKey: task.taskKey, skills },
      });
    }
    return created !== undefined;
  });
}

/**
 * Stores the outcome an agent reported, once per task, with its effects on the facts (invalid
 * phone, hardship flag), audit entries and the timeline, in one transaction. True when this agent's
 * report is stored (now, or by an earlier attempt of the same call), false when the task was closed
 * otherwise meanwhile (withdrawn, answered by another).
 */
export async function recordAgentOutcome(
  db: Database,
  input: { debtorId: string } & AgentOutcomeReport,
): Promise<boolean> {
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
}

/** Withdraws the task with the key, or all open tasks of the debtor, each with a timeline entry. */
export async function withdrawAgentTasks(
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
