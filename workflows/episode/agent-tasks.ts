import { ApplicationFailure, condition } from '@temporalio/workflow';
import {
  agentOutcomeSchema,
  DECISIONS,
  isDecisionTask,
  outcomesFor,
  TASK_QUESTIONS,
  taskPriority,
  type AgentOutcome,
  type AgentOutcomeReport,
} from '../../domain/agent-tasks.js';
import { nextWindowStart } from '../../domain/contact-policy/index.js';
import type { AgentTaskKind } from '../../domain/strategies/types.js';
import type { CaseAnswer } from '../messages.js';
import { completeAgentTask, createAgentTask, withdrawAgentTask } from './activities.js';
import {
  agentPlan,
  DAY_MS,
  openDispute,
  planRejection,
  promiseToPay,
  proposePaymentPlan,
  validatePromise,
} from './commitments.js';
import { CaseClosed, fail, SegmentChanged } from './errors.js';
import { publish, refresh } from './facts.js';
import type { AwaitedTask, Episode } from './state.js';
import { decisionAt } from './waiting.js';

/** A call-back may be asked for up to two weeks ahead. */
const MAX_CALL_BACK_DAYS = 14;

/**
 * The agent-task loop: creates the task, waits for the agent's outcome or the deadline, and
 * withdraws the task when it ends without an outcome (deadline, payment, cancellation, pause,
 * another segment).
 */
export async function workAgentTask(ep: Episode, task: AwaitedTask): Promise<AgentOutcome | undefined> {
  ep.awaited = task;
  let reason = 'deadline passed';
  try {
    await createAgentTask({
      debtorId: ep.debtorId,
      taskKey: task.key,
      kind: task.kind,
      label: task.label,
      dueAt: task.dueAt,
      priority: priorityOf(ep, task.kind),
      question: TASK_QUESTIONS[task.kind],
    });
    ep.state.nextStep = `Waiting for the agent: ${task.label}`;
    ep.state.nextStepAt = new Date(task.deadline).toISOString();
    await publish(ep);
    const outcome = await awaitAgentOutcome(ep, task);
    if (!outcome && ep.paused()) reason = `case ${ep.statusNow()}`;
    return outcome;
  } catch (error) {
    if (error instanceof CaseClosed) reason = `case ${error.status}`;
    if (error instanceof SegmentChanged) reason = `case moved to segment ${error.segment}`;
    throw error;
  } finally {
    ep.awaited = undefined;
    // A task with an outcome is done already; the activity changes nothing then.
    await withdrawAgentTask({ debtorId: ep.debtorId, taskKey: task.key, reason });
  }
}

export const priorityOf = (ep: Episode, kind: AgentTaskKind) =>
  taskPriority(
    kind,
    { openAmount: ep.state.openAmount, daysPastDue: ep.state.daysPastDue },
    ep.policies.segmentation.personalMinOpenAmount,
  );

/** A supervisor has this long for a task a person left unanswered. */
const SUPERVISOR_REVIEW_DAYS = 2;

/**
 * A person's task that ran past its deadline unanswered goes to a supervisor, beside the strategy
 * (which moves on). Patched in: histories recorded before let such tasks lapse.
 */
export function escalateUnanswered(ep: Episode, task: AwaitedTask): void {
  if (!ep.since('unanswered-task-supervisor')) return;
  ep.pending.push({
    type: 'agent-task-escalated',
    summary: `${task.label} ran past its deadline unanswered: a supervisor sees to it`,
  });
  ep.background(() =>
    createAgentTask({
      debtorId: ep.debtorId,
      taskKey: `${task.key}/supervisor`,
      kind: 'supervisor-review',
      label: `Unanswered: ${task.label}`,
      dueAt: Date.now() + SUPERVISOR_REVIEW_DAYS * DAY_MS,
      priority: priorityOf(ep, 'supervisor-review'),
      question: TASK_QUESTIONS['supervisor-review'],
    }),
  );
}

/** Until the outcome is recorded, or the deadline passes, or the case is paused meanwhile. */
async function awaitAgentOutcome(ep: Episode, task: AwaitedTask): Promise<AgentOutcome | undefined> {
  await refresh(ep);
  for (;;) {
    if (task.outcome) return task.outcome;
    if (ep.paused() && !task.recording) return undefined;
    const decideAt = decisionAt(ep, task.deadline);
    await publish(ep);
    if (task.recording) {
      // An outcome is being stored: it wins over the deadline.
      await condition(() => !task.recording);
    } else {
      const woke = await condition(
        () => task.outcome !== undefined || ep.factsChanges !== ep.factsRead,
        Math.max(decideAt - Date.now(), 1),
        { summary: `Waiting for the agent until the ${task.label} deadline` },
      );
      if (!woke) {
        await refresh(ep);
        // A periodic re-assessment before the deadline: the task stays open.
        if (task.outcome || task.recording || Date.now() < task.deadline) continue;
        return undefined;
      }
    }
    await refresh(ep);
  }
}

/** What the outcome means for the case; the activity already stored it with its facts. */
function applyAgentOutcome(ep: Episode, outcome: AgentOutcome, note: string | undefined): CaseAnswer {
  switch (outcome.kind) {
    case 'promise':
      return promiseToPay(ep, { date: outcome.date, amount: outcome.amount, source: 'agent' });
    case 'payment-plan':
      return proposePaymentPlan(ep, agentPlan(ep, outcome, note));
    case 'dispute':
      return openDispute(ep, { reason: outcome.reason, note, source: 'agent' });
    case 'call-back':
      return ep.answer(`A call-back task is due at ${outcome.at}.`);
    case 'decision':
      return ep.answer('Decision recorded; the case carries it out.');
    case 'hardship':
    case 'data-found':
      ep.factsChanged();
      return ep.answer('Recorded; the case is re-assessed.');
    default:
      ep.factsChanged();
      return ep.answer('Recorded; the strategy moves on.');
  }
}

/**
 * The task the step waits for, if the key names it. Compared without the case's run id: a replay
 * may know the first run by another id than the live run did.
 */
const stepKey = (key: string) => key.replace(/^[^/]+\/[^/]+/, '');
const awaitedTask = (ep: Episode, key: string) =>
  ep.awaited && stepKey(ep.awaited.key) === stepKey(key) ? ep.awaited : undefined;

export function validateAgentOutcome(ep: Episode, report: AgentOutcomeReport): void {
  ep.requireOpen();
  const stepTask = awaitedTask(ep, report.taskKey);
  const busy = stepTask
    ? stepTask.outcome !== undefined || stepTask.recording
    : !report.taskKind || ep.answeringSideTasks.has(report.taskKey);
  if (busy) fail('the case is not waiting for this task (it was withdrawn or already answered)');
  const kind = stepTask?.kind ?? report.taskKind ?? 'call';
  const parsed = agentOutcomeSchema.safeParse(report.outcome);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`outcome.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const outcome = parsed.data;
  if (!outcomesFor(kind).includes(outcome.kind)) fail(`a ${kind} task cannot end with ${outcome.kind}`);
  if (outcome.kind === 'decision' && isDecisionTask(kind) && !DECISIONS[kind].includes(outcome.decision)) {
    fail(`outcome.decision: a ${kind} task decides ${DECISIONS[kind].join(' or ')}`);
  }
  if (outcome.kind === 'promise') validatePromise(ep, outcome);
  if (outcome.kind === 'payment-plan') {
    const rejection = planRejection(ep, agentPlan(ep, outcome, report.note));
    if (rejection) fail(rejection.message);
  }
  if (outcome.kind === 'call-back') {
    const at = Date.parse(outcome.at);
    if (at <= Date.now()) fail('the call-back time is in the past');
    if (at > Date.now() + MAX_CALL_BACK_DAYS * DAY_MS)
      fail(`a call-back may be at most ${MAX_CALL_BACK_DAYS} days ahead`);
    if (nextWindowStart(at, ep.debtorZone, ep.debtorCountry, ep.policies.contactPolicy) !== at) {
      fail(`the call-back time is outside the debtor's contact window (${ep.debtorZone})`);
    }
  }
}

/** An agent's outcome: stored by an activity first, then applied to the case. */
/** Stores an agent's outcome (the task closes in the database first), then applies it to the case. */
export async function recordAgentOutcome(ep: Episode, report: AgentOutcomeReport): Promise<CaseAnswer> {
  const stepTask = awaitedTask(ep, report.taskKey);
  const outcome = agentOutcomeSchema.parse(report.outcome);
  if (stepTask) stepTask.recording = true;
  else ep.answeringSideTasks.add(report.taskKey);
  let recorded: boolean | undefined;
  try {
    recorded = await completeAgentTask({ ...report, outcome, debtorId: ep.debtorId });
  } finally {
    if (stepTask) stepTask.recording = false;
    else ep.answeringSideTasks.delete(report.taskKey);
  }
  // Histories from before the activity answered carry no result: those outcomes were stored.
  if (recorded === false) {
    throw ApplicationFailure.nonRetryable('the task was closed meanwhile; nothing was recorded');
  }
  if (stepTask) stepTask.outcome = outcome;
  else if (outcome.kind === 'call-back') {
    // Nobody waits for a side task: the call-back is a new task of its own.
    const at = Date.parse(outcome.at);
    ep.background(() =>
      createAgentTask({
        debtorId: ep.debtorId,
        taskKey: `${report.taskKey}/call-back`,
        kind: 'call-back',
        label: 'Call-back',
        dueAt: at,
      }),
    );
  }
  return applyAgentOutcome(ep, outcome, report.note);
}
