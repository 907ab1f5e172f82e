import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  makeContinueAsNewFunc,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  caseInputSchema,
  type CaseInput,
  type CaseOutcome,
  type CaseState,
  type CaseStatus,
} from '../domain/case.js';
import {
  agentOutcomeSchema,
  callDeadline,
  outcomesFor,
  TASK_QUESTIONS,
  taskPriority,
  type AgentOutcome,
  type AgentOutcomeReport,
} from '../domain/agent-tasks.js';
import {
  addDays,
  decideContact,
  nextWindowStart,
  toLocal,
  zonedTimeToEpoch,
  type PolicyFacts,
} from '../domain/contact-policy/index.js';
import { channelTaskQueue } from '../domain/channel-queues.js';
import {
  acceptPlan,
  monthlySchedule,
  checkProposal,
  dueThrough,
  nextPlanEvent,
  planView,
  PLAN_REJECTED,
  shouldRemind,
  type ActivePlan,
  type Instalment,
  type PaymentPlanProposal,
  type PlanRejection,
} from '../domain/payment-plan.js';
import * as sa from '../domain/search-attributes.js';
import { assess } from '../domain/segmentation/assess.js';
import type { Channel, SegmentId } from '../domain/segmentation/types.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';
import type { AgentTaskKind, MessageTemplate, StrategyStep } from '../domain/strategies/types.js';
import {
  cancelUpdate,
  caseStateQuery,
  contactDataChangedSignal,
  invoiceRecordedSignal,
  openDisputeUpdate,
  paymentRecordedSignal,
  pauseUpdate,
  promiseToPayUpdate,
  proposePaymentPlanUpdate,
  recordAgentOutcomeUpdate,
  resolveDisputeUpdate,
  resumeUpdate,
  type CaseAnswer,
  type DisputeOpened,
  type PromiseToPay,
} from './messages.js';

type Activities = ReturnType<typeof createActivities>;
type Snapshot = Awaited<ReturnType<Activities['loadCaseSnapshot']>>;

const DAY_MS = 86_400_000;
const MAX_PROMISE_DAYS = 30;
/** A person reviews a dispute from the portal within this many days. */
const DISPUTE_REVIEW_DAYS = 3;
/** A promise is checked one day after its date: payments take a day to be booked. */
const PROMISE_GRACE_MS = DAY_MS;
/** A call-back may be asked for up to two weeks ahead; the agent has a day after the time to make it. */
const MAX_CALL_BACK_DAYS = 14;
const CALL_BACK_GRACE_MS = DAY_MS;

const { loadCaseSnapshot, loadPolicies, reportCase, createAgentTask, withdrawAgentTask, escalateCase } =
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });

/** The agent waits for the answer: a few quick attempts, then the update fails and can be sent again. */
const { completeAgentTask } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 4 },
});

/**
 * Per channel: how long one attempt may take and how retries back off. Provider 429/5xx and network
 * errors are retried; a rejection that can never succeed is not (the activity reports it as
 * `failed`, and the step moves on to its fallback channel).
 */
const sendOptions: Record<Channel, ActivityOptions> = {
  email: {
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '5 seconds',
      backoffCoefficient: 2,
      maximumInterval: '10 minutes',
      nonRetryableErrorTypes: ['PermanentEmailError'],
    },
  },
  sms: {
    startToCloseTimeout: '1 minute',
    retry: {
      initialInterval: '10 seconds',
      backoffCoefficient: 2,
      maximumInterval: '30 minutes',
      nonRetryableErrorTypes: ['PermanentSmsError'],
    },
  },
  call: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  },
};
/**
 * A send runs on its channel's task queue, where the worker enforces the provider's rate limit. The
 * Web UI shows each send as what it is ("E-mail reminder (email, de)"), never to whom.
 */
const sendMessageAs = (channel: Channel, summary: string) =>
  proxyActivities<Activities>({
    ...sendOptions[channel],
    taskQueue: channelTaskQueue(workflowInfo().taskQueue, channel),
    summary,
  }).sendMessage;

/** What an attempt on one channel came to: done, try the next channel, or wait and try again. */
type ContactResult = 'done' | 'next-channel' | { until: number; reason: string };

class SegmentChanged {
  constructor(readonly segment: SegmentId) {}
}
class CaseClosed {
  constructor(readonly status: CaseStatus) {}
}

/** The agent task the step waits for; `recording` while an outcome is being stored. */
interface AwaitedTask {
  key: string;
  kind: AgentTaskKind;
  label: string;
  dueAt: number;
  deadline: number;
  outcome?: AgentOutcome;
  recording: boolean;
}

/**
 * One segment episode of a case: runs the segment's strategy step by step, re-assesses the debtor
 * before every step and whenever facts change, and continues-as-new into another segment's
 * workflow when the assessment says so. The workflow decides; the facts live in the database.
 */
export async function runEpisode(segment: SegmentId, rawInput: CaseInput): Promise<CaseOutcome> {
  const input = caseInputSchema.parse(rawInput);
  const info = workflowInfo();
  // Policies and strategy are read once: the episode runs by what was in force when it started.
  const policies = await loadPolicies();
  const strategy = policies.strategies[segment];
  const caseKey = `${info.workflowId}/${info.firstExecutionRunId}`;
  const openedAt = input.caseOpenedAt ?? new Date().toISOString();

  const state: CaseState = {
    debtorId: input.debtorId,
    status: strategy.status,
    segment,
    strategyVersion: strategy.version,
    currentStep: 'assessing',
    nextStep: null,
    nextStepAt: null,
    amountDue: 0,
    currency: null,
    daysPastDue: 0,
    openedAt,
    closedAt: null,
    episode: input.episode,
    ruleId: 'pending',
    reasons: [],
    promisedUntil: input.promise ? new Date(input.promise.until).toISOString() : null,
    plan: null,
  };
  let brokenPromises = input.brokenPromises;
  let promise = input.promise;
  let disputed = input.disputed;
  let operatorPaused = input.operatorPaused;
  let plan: ActivePlan | undefined = input.plan;
  /** Everything the debtor has paid, as of the last read of the facts (payment plans count from it). */
  let paidTotal = 0;
  let closing: CaseStatus | undefined;
  let debtorZone = 'UTC';
  let debtorCountry: string | null = null;
  let awaited: AwaitedTask | undefined;
  let preferredDigital: Channel | undefined;
  /** Confirmations and agent tasks started from a handler: they finish (or give up) before the run ends. */
  const sideTasks: Promise<void>[] = [];
  let ending = false;
  let disputeTaskKey: string | undefined;

  // Signals bump factsChanges; factsRead is its value when the facts were last read, so a signal
  // that arrives while an activity runs is never lost.
  let factsChanges = 0;
  let factsRead = -1;
  const factsChanged = () => void factsChanges++;
  setHandler(invoiceRecordedSignal, factsChanged);
  setHandler(paymentRecordedSignal, factsChanged);
  setHandler(contactDataChangedSignal, factsChanged);
  setHandler(caseStateQuery, () => state);

  const pending: { type: string; summary: string }[] = [];
  const answer = (message: string): CaseAnswer => {
    state.status = closing ?? statusNow();
    // A query right after the update sees what it answered, before the loop publishes it.
    state.plan = planNow();
    return { status: state.status, message };
  };
  const open = () => closing === undefined && state.closedAt === null;
  const requireOpen = () => void (open() || fail('the case is closed'));

  const promiseToPay = (p: PromiseToPay): CaseAnswer => {
    // The promised day ends at midnight where the debtor lives; then a day of grace for booking.
    const until = zonedTimeToEpoch(addDays(p.date, 1), '00:00', debtorZone) + PROMISE_GRACE_MS;
    promise = { until, expectedOpen: Math.max(0, state.amountDue - (p.amount ?? state.amountDue)) };
    state.promisedUntil = new Date(until).toISOString();
    pending.push({
      type: 'promise-made',
      summary: `Promise to pay by ${p.date} (${p.source}); outreach paused`,
    });
    factsChanged();
    return answer(`Outreach paused until ${p.date}.`);
  };
  const validatePromise = (p: { date: string; amount?: number | undefined }): void => {
    requireOpen();
    if (plan) throw new Error('a payment plan is running; instalments replace a promise');
    const date = Date.parse(`${p.date}T00:00:00Z`);
    if (Number.isNaN(date)) throw new Error('date must be YYYY-MM-DD');
    const days = (date - Date.now()) / DAY_MS;
    if (days < -1) throw new Error('the promised date is in the past');
    if (days > MAX_PROMISE_DAYS)
      throw new Error(`a promise may reach at most ${MAX_PROMISE_DAYS} days ahead`);
    if (p.amount !== undefined && (p.amount <= 0 || p.amount > state.amountDue)) {
      throw new Error('the promised amount must be above 0 and at most the open amount');
    }
  };
  setHandler(promiseToPayUpdate, promiseToPay, { validator: validatePromise });
  const openDispute = (d: DisputeOpened): CaseAnswer => {
    disputed = true;
    pending.push({
      type: 'dispute-opened',
      summary: `Dispute opened (${d.source}): ${d.reason}; all outreach paused`,
    });
    if (d.source === 'portal') {
      // The debtor objected themselves: a person reviews it, and the debtor gets a receipt.
      const key = `${caseKey}/dispute-${Date.now()}`;
      disputeTaskKey = key;
      background(() =>
        createAgentTask({
          debtorId: input.debtorId,
          taskKey: key,
          kind: 'dispute-review',
          label: `Review dispute: ${d.reason}`,
          dueAt: Date.now() + DISPUTE_REVIEW_DAYS * DAY_MS,
        }),
      );
      notify('dispute-received', `${key}/receipt`, 'Dispute receipt');
    }
    factsChanged();
    return answer('All outreach is paused while the dispute is reviewed.');
  };
  setHandler(openDisputeUpdate, openDispute, { validator: (_d) => requireOpen() });
  setHandler(
    resolveDisputeUpdate,
    (r) => {
      disputed = false;
      const reviewTask = disputeTaskKey;
      disputeTaskKey = undefined;
      if (reviewTask) {
        background(() =>
          withdrawAgentTask({ debtorId: input.debtorId, taskKey: reviewTask, reason: 'dispute resolved' }),
        );
      }
      if (r.outcome === 'cancel') closing = 'cancelled';
      pending.push({
        type: 'dispute-resolved',
        summary: `Dispute resolved: ${r.outcome}${r.note ? ` (${r.note})` : ''}`,
      });
      factsChanged();
      return answer(r.outcome === 'cancel' ? 'The claim is withdrawn.' : 'Outreach resumes.');
    },
    { validator: (_r) => void (disputed || fail('there is no open dispute')) },
  );
  setHandler(
    pauseUpdate,
    (p) => {
      operatorPaused = true;
      pending.push({ type: 'paused', summary: `Paused by an operator: ${p.reason}` });
      factsChanged();
      return answer('Paused.');
    },
    { validator: (_p) => requireOpen() },
  );
  setHandler(
    resumeUpdate,
    () => {
      operatorPaused = false;
      pending.push({ type: 'resumed', summary: 'Resumed by an operator' });
      factsChanged();
      return answer('Resumed.');
    },
    { validator: () => void (operatorPaused || fail('the case is not paused')) },
  );
  setHandler(
    cancelUpdate,
    (c) => {
      closing = 'cancelled';
      pending.push({ type: 'cancelled', summary: `Claim withdrawn by billing: ${c.reason}` });
      factsChanged();
      return answer('The case is cancelled; no further contact.');
    },
    { validator: (_c) => requireOpen() },
  );
  const proposePaymentPlan = (p: PaymentPlanProposal): CaseAnswer => {
    const policy = planPolicy();
    if (!policy) throw new Error('payment plans are arranged personally for this case');
    plan = acceptPlan(p, policy, Date.now(), paidTotal);
    // Instalments replace a promise: the plan says when each part is due.
    promise = undefined;
    state.promisedUntil = null;
    const last = p.instalments.at(-1)?.dueDate;
    pending.push({
      type: 'plan-accepted',
      summary: `Payment plan accepted (${p.source}): ${p.instalments.length} instalments from ${p.instalments[0]?.dueDate} to ${last}${p.note ? ` (${p.note})` : ''}; outreach paused`,
    });
    factsChanged();
    return answer(`Payment plan accepted: ${p.instalments.length} instalments until ${last}.`);
  };
  setHandler(proposePaymentPlanUpdate, proposePaymentPlan, {
    validator: (p) => {
      const rejection = planRejection(p);
      if (rejection) {
        throw ApplicationFailure.create({
          type: PLAN_REJECTED,
          message: rejection.message,
          details: [rejection],
          nonRetryable: true,
        });
      }
    },
  });

  /** The plan policy of this segment; episodes started before plans existed use the defaults. */
  function planPolicy() {
    return strategy.paymentPlan === undefined ? defaultStrategies[segment].paymentPlan : strategy.paymentPlan;
  }

  function planRejection(p: PaymentPlanProposal): PlanRejection | undefined {
    const refuse = (code: 'case-closed' | 'disputed' | 'plan-running', message: string) => ({
      code,
      message,
      params: {},
    });
    if (!open()) return refuse('case-closed', 'the case is closed');
    if (disputed) return refuse('disputed', 'the case is disputed; a plan can follow the review');
    if (plan) return refuse('plan-running', 'a payment plan is already running');
    return checkProposal(p, planPolicy(), {
      openAmount: state.amountDue,
      today: toLocal(Date.now(), debtorZone).date,
    });
  }

  /** Runs an activity beside the main flow (from a handler), kept until the run ends. */
  function background(run: () => Promise<void>): void {
    sideTasks.push(run());
  }

  /**
   * A service message (receipt, plan reminder) on the debtor's digital channels, preferred first.
   * The contact window still applies: outside it the message waits, unless the run ends first.
   */
  function notify(template: MessageTemplate, key: string, label: string, instalment?: Instalment): void {
    background(async () => {
      const channels: Channel[] = preferredDigital === 'sms' ? ['sms', 'email'] : ['email', 'sms'];
      for (const channel of channels) {
        for (;;) {
          const result = await sendMessageAs(
            channel,
            `${label} (${channel})`,
          )({
            debtorId: input.debtorId,
            idempotencyKey: `${key}/${channel}`,
            channel,
            template,
            tone: strategy.tone,
            stepLabel: label,
            instalment,
          });
          if (result.outcome === 'sent' || result.outcome === 'already-sent') return;
          if (result.outcome !== 'deferred') break;
          if (
            await condition(() => ending, Math.max(result.until - Date.now(), 1), { summary: result.reason })
          )
            return;
        }
      }
    });
  }

  /** Sends the reminders and checks the instalments whose moment has come; a missed one breaks the plan. */
  async function followPlan(): Promise<void> {
    for (;;) {
      const event = plan && nextPlanEvent(plan, debtorZone);
      if (!plan || !event || event.at > Date.now()) return;
      const count = plan.instalments.length;
      const due = plan.instalments[event.index]!;
      if (event.kind === 'remind') {
        if (shouldRemind(plan, event, Date.now(), debtorZone)) {
          notify(
            'plan-reminder',
            `${caseKey}/plan-${plan.acceptedAt}/reminder-${event.index}`,
            `Instalment reminder ${event.index + 1}/${count}`,
            due,
          );
        }
        plan.reminded = event.index + 1;
        continue;
      }
      if (paidTotal - plan.paidBaseline >= dueThrough(plan, event.index + 1)) {
        plan.settled = event.index + 1;
        pending.push({
          type: 'instalment-paid',
          summary: `Instalment ${event.index + 1} of ${count} paid (due ${due.dueDate})`,
        });
        if (plan.settled === count) {
          pending.push({ type: 'plan-completed', summary: 'Payment plan completed' });
          plan = undefined;
        }
        continue;
      }
      brokenPromises++;
      pending.push({
        type: 'plan-broken',
        summary: `Instalment ${event.index + 1} of ${count} (${due.amount}, due ${due.dueDate}) missed: payment plan broken (${brokenPromises} in this case); re-assessing`,
      });
      plan = undefined;
    }
  }

  /** The plan an agent agreed on the phone: monthly instalments of everything open. */
  const agentPlan = (
    outcome: Extract<AgentOutcome, { kind: 'payment-plan' }>,
    note: string | undefined,
  ): PaymentPlanProposal => ({
    instalments: monthlySchedule(state.amountDue, outcome.instalments, outcome.firstDate),
    source: 'agent',
    note: note?.slice(0, 500),
  });

  /** What the outcome means for the case; the activity already stored it with its facts. */
  const applyAgentOutcome = (outcome: AgentOutcome, note: string | undefined): CaseAnswer => {
    switch (outcome.kind) {
      case 'promise':
        return promiseToPay({ date: outcome.date, amount: outcome.amount, source: 'agent' });
      case 'payment-plan':
        return proposePaymentPlan(agentPlan(outcome, note));
      case 'dispute':
        return openDispute({ reason: outcome.reason, note, source: 'agent' });
      case 'call-back':
        return answer(`A call-back task is due at ${outcome.at}.`);
      case 'hardship':
      case 'data-found':
        factsChanged();
        return answer('Recorded; the case is re-assessed.');
      default:
        factsChanged();
        return answer('Recorded; the strategy moves on.');
    }
  };
  /**
   * The task the step waits for, if the key names it. Compared without the case's run id: a replay
   * may know the first run by another id than the live run did.
   */
  const stepKey = (key: string) => key.replace(/^[^/]+\/[^/]+/, '');
  const awaitedTask = (key: string) =>
    awaited && stepKey(awaited.key) === stepKey(key) ? awaited : undefined;
  /** Outcomes of tasks no step waits for (the portal's call-backs and dispute reviews) being stored. */
  const answeringSideTasks = new Set<string>();
  const validateAgentOutcome = (report: AgentOutcomeReport): void => {
    requireOpen();
    const stepTask = awaitedTask(report.taskKey);
    const busy = stepTask
      ? stepTask.outcome !== undefined || stepTask.recording
      : !report.taskKind || answeringSideTasks.has(report.taskKey);
    if (busy) fail('the case is not waiting for this task (it was withdrawn or already answered)');
    const kind = stepTask?.kind ?? report.taskKind ?? 'call';
    const parsed = agentOutcomeSchema.safeParse(report.outcome);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(`outcome.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    const outcome = parsed.data;
    if (!outcomesFor(kind).includes(outcome.kind)) fail(`a ${kind} task cannot end with ${outcome.kind}`);
    if (outcome.kind === 'promise') validatePromise(outcome);
    if (outcome.kind === 'payment-plan') {
      const rejection = planRejection(agentPlan(outcome, report.note));
      if (rejection) fail(rejection.message);
    }
    if (outcome.kind === 'call-back') {
      const at = Date.parse(outcome.at);
      if (at <= Date.now()) fail('the call-back time is in the past');
      if (at > Date.now() + MAX_CALL_BACK_DAYS * DAY_MS)
        fail(`a call-back may be at most ${MAX_CALL_BACK_DAYS} days ahead`);
      if (nextWindowStart(at, debtorZone, debtorCountry, policies.contactPolicy) !== at) {
        fail(`the call-back time is outside the debtor's contact window (${debtorZone})`);
      }
    }
  };
  setHandler(
    recordAgentOutcomeUpdate,
    async (report) => {
      const stepTask = awaitedTask(report.taskKey);
      const outcome = agentOutcomeSchema.parse(report.outcome);
      if (stepTask) stepTask.recording = true;
      else answeringSideTasks.add(report.taskKey);
      let recorded: boolean | undefined;
      try {
        recorded = await completeAgentTask({ ...report, outcome, debtorId: input.debtorId });
      } finally {
        if (stepTask) stepTask.recording = false;
        else answeringSideTasks.delete(report.taskKey);
      }
      // Histories from before the activity answered carry no result: those outcomes were stored.
      if (recorded === false) {
        throw ApplicationFailure.nonRetryable('the task was closed meanwhile; nothing was recorded');
      }
      if (stepTask) stepTask.outcome = outcome;
      else if (outcome.kind === 'call-back') {
        // Nobody waits for a side task: the call-back is a new task of its own.
        const at = Date.parse(outcome.at);
        background(() =>
          createAgentTask({
            debtorId: input.debtorId,
            taskKey: `${report.taskKey}/call-back`,
            kind: 'call-back',
            label: 'Call-back',
            dueAt: at,
          }),
        );
      }
      return applyAgentOutcome(outcome, report.note);
    },
    { validator: validateAgentOutcome },
  );

  function statusNow(): CaseStatus {
    if (disputed) return 'disputed';
    if (plan) return 'payment-plan';
    if (promise && promise.until > Date.now()) return 'promised';
    if (operatorPaused) return 'paused';
    return strategy.status;
  }

  function planNow(): CaseState['plan'] {
    return plan ? planView(plan, paidTotal - plan.paidBaseline) : null;
  }

  async function publish(event?: { type: string; summary: string }): Promise<void> {
    state.status = state.closedAt ? state.status : statusNow();
    state.plan = planNow();
    setCurrentDetails(
      [
        `**${state.status}** · segment **${state.segment}** (${state.strategyVersion}), episode ${state.episode}`,
        `Rule ${state.ruleId}: ${state.reasons.join('; ') || '—'}`,
        `Step: ${state.currentStep ?? '—'} · next: ${state.nextStep ?? '—'}${state.nextStepAt ? ` at ${state.nextStepAt}` : ''}`,
      ].join('\n\n'),
    );
    upsertSearchAttributes([
      { key: sa.DunningStatus, value: state.status },
      { key: sa.DunningSegment, value: state.segment },
      { key: sa.DunningStep, value: state.currentStep ?? 'none' },
      { key: sa.StrategyVersion, value: state.strategyVersion },
      { key: sa.AmountDue, value: state.amountDue },
      { key: sa.DaysPastDue, value: state.daysPastDue },
    ]);
    const events = [...pending.splice(0), ...(event ? [event] : [])];
    await reportCase({ state, workflowId: info.workflowId, runId: info.runId, events });
  }

  /**
   * Reads the facts, settles promises and re-assesses. Throws CaseClosed when the case is over and
   * SegmentChanged when the debtor belongs elsewhere now.
   */
  async function refresh(): Promise<Snapshot> {
    for (;;) {
      factsRead = factsChanges;
      const snap = await loadCaseSnapshot({ debtorId: input.debtorId, asOf: new Date().toISOString() });
      debtorZone = snap.snapshot.timezone ?? 'UTC';
      debtorCountry = snap.snapshot.country;
      paidTotal = snap.paidTotal ?? 0;
      const preferred = snap.snapshot.preferredChannel;
      preferredDigital = preferred === 'sms' || preferred === 'email' ? preferred : undefined;
      Object.assign(state, {
        amountDue: snap.snapshot.openAmount,
        currency: snap.snapshot.currency,
        daysPastDue: snap.snapshot.daysPastDue,
      });
      if (closing) throw new CaseClosed(closing);
      if (snap.snapshot.openAmount <= 0) {
        if (factsRead === factsChanges) throw new CaseClosed('paid');
        continue;
      }
      if (promise && promise.until <= Date.now()) {
        const kept = snap.snapshot.openAmount <= promise.expectedOpen;
        if (!kept) brokenPromises++;
        pending.push({
          type: kept ? 'promise-kept' : 'promise-broken',
          summary: kept ? 'Promise kept' : `Promise broken (${brokenPromises} in this case); re-assessing`,
        });
        promise = undefined;
        state.promisedUntil = null;
      }
      if (plan && !disputed && !operatorPaused) await followPlan();
      const assessment = assess(
        { ...snap.snapshot, brokenPromisesInCase: brokenPromises },
        policies.segmentation,
      );
      state.ruleId = assessment.ruleId;
      state.reasons = assessment.reasons;
      if (assessment.segment !== segment) {
        pending.push({
          type: 'segment-changed',
          summary: `Segment ${segment} → ${assessment.segment} (rule ${assessment.ruleId}: ${assessment.reasons.join('; ')})`,
        });
        throw new SegmentChanged(assessment.segment);
      }
      return snap;
    }
  }

  const paused = () =>
    disputed || operatorPaused || plan !== undefined || (promise !== undefined && promise.until > Date.now());

  /**
   * Sleeps until `at` (durable timer), waking early to re-read facts whenever a signal or update
   * arrives. `why` becomes the timer's summary in the Web UI.
   */
  async function waitUntil(at: number, label: string, why = `Until ${label}`): Promise<Snapshot> {
    let snap = await refresh();
    for (;;) {
      const pauseEnd = promise && promise.until > Date.now() ? promise.until : undefined;
      // While a plan runs, the case wakes for its reminders and checks; outreach waits for its end.
      const planAt = plan ? nextPlanEvent(plan, debtorZone)?.at : undefined;
      const target = paused() ? (disputed || operatorPaused ? Infinity : (planAt ?? pauseEnd ?? at)) : at;
      state.nextStep = paused() && target !== at ? `${label} (after the pause)` : label;
      state.nextStepAt = Number.isFinite(Math.max(target, at))
        ? new Date(Math.max(target, at)).toISOString()
        : null;
      await publish();
      const remaining = target - Date.now();
      if (!paused() && remaining <= 0) return snap;
      const changed = () => factsChanges !== factsRead;
      let woke = true;
      if (Number.isFinite(remaining)) {
        const summary = paused() ? `Paused (${state.status})` : why;
        woke = await condition(changed, Math.max(remaining, 1), { summary });
      } else await condition(changed);
      snap = await refresh();
      if (!woke && !paused() && Date.now() >= at) return snap;
    }
  }

  function policyFacts(snap: Snapshot, channel: Channel): PolicyFacts {
    return {
      timezone: snap.snapshot.timezone ?? 'UTC',
      country: snap.snapshot.country,
      channel: snap.snapshot.contactPoints.find((c) => c.channel === channel),
      paid: snap.snapshot.openAmount <= 0,
      disputed,
      pausedUntil: promise?.until ?? null,
      operatorPaused,
      history: snap.history,
    };
  }

  /** Asks the contact policy for each channel in order; waits durably when the answer is "not now". */
  async function contact(
    step: StrategyStep,
    channels: Channel[],
    snap: Snapshot,
    act: (c: Channel) => Promise<ContactResult>,
  ) {
    for (const channel of channels) {
      for (;;) {
        // A dispute or pause that arrived during the step holds the rest of it, not skips it.
        if (paused()) {
          snap = await waitUntil(Date.now(), step.label);
          continue;
        }
        const decision = decideContact(
          channel,
          Date.now(),
          policyFacts(snap, channel),
          policies.contactPolicy,
        );
        if (decision.verdict === 'allowed') {
          const result = await act(channel);
          if (result === 'done') return;
          if (result === 'next-channel') break;
          // The send activity found the moment gone (e.g. retries ran past the window): wait again.
          pending.push({
            type: 'contact-deferred',
            summary: `${step.label} by ${channel}: ${result.reason}`,
          });
          snap = await waitUntil(result.until, step.label, result.reason);
          continue;
        }
        if (decision.verdict === 'never') {
          pending.push({
            type: 'contact-skipped',
            summary: `${step.label} by ${channel} skipped: ${decision.reason}`,
          });
          break;
        }
        pending.push({
          type: 'contact-deferred',
          summary: `${step.label} by ${channel}: ${decision.reason}`,
        });
        snap = await waitUntil(decision.until, step.label, decision.reason);
      }
    }
    pending.push({ type: 'step-skipped', summary: `${step.label}: no channel was allowed` });
  }

  /**
   * Creates the task, waits for the agent's outcome or the deadline, and withdraws the task when it
   * ends without an outcome (deadline, payment, cancellation, pause, another segment).
   */
  async function workAgentTask(task: AwaitedTask): Promise<AgentOutcome | undefined> {
    awaited = task;
    let reason = 'deadline passed';
    try {
      await createAgentTask({
        debtorId: input.debtorId,
        taskKey: task.key,
        kind: task.kind,
        label: task.label,
        dueAt: task.dueAt,
        priority: taskPriority(
          task.kind,
          { openAmount: state.amountDue, daysPastDue: state.daysPastDue },
          policies.segmentation.personalMinOpenAmount,
        ),
        question: TASK_QUESTIONS[task.kind],
      });
      state.nextStep = `Waiting for the agent: ${task.label}`;
      state.nextStepAt = new Date(task.deadline).toISOString();
      await publish();
      const outcome = await awaitAgentOutcome(task);
      if (!outcome && paused()) reason = `case ${statusNow()}`;
      return outcome;
    } catch (error) {
      if (error instanceof CaseClosed) reason = `case ${error.status}`;
      if (error instanceof SegmentChanged) reason = `case moved to segment ${error.segment}`;
      throw error;
    } finally {
      awaited = undefined;
      // A task with an outcome is done already; the activity changes nothing then.
      await withdrawAgentTask({ debtorId: input.debtorId, taskKey: task.key, reason });
    }
  }

  /** Until the outcome is recorded, or the deadline passes, or the case is paused meanwhile. */
  async function awaitAgentOutcome(task: AwaitedTask): Promise<AgentOutcome | undefined> {
    await refresh();
    for (;;) {
      if (task.outcome) return task.outcome;
      if (paused() && !task.recording) return undefined;
      await publish();
      if (task.recording) {
        // An outcome is being stored: it wins over the deadline.
        await condition(() => !task.recording);
      } else {
        const woke = await condition(
          () => task.outcome !== undefined || factsChanges !== factsRead,
          Math.max(task.deadline - Date.now(), 1),
          { summary: `Waiting for the agent until the ${task.label} deadline` },
        );
        if (!woke) {
          await refresh();
          if (task.outcome || task.recording) continue;
          return undefined;
        }
      }
      await refresh();
    }
  }

  async function runStep(step: StrategyStep, snap: Snapshot): Promise<void> {
    state.currentStep = step.id;
    const key = `${caseKey}/${input.episode}/${step.id}`;
    const action = step.action;
    switch (action.kind) {
      case 'message': {
        const preferred = snap.snapshot.preferredChannel;
        const channels =
          action.preferred && preferred && preferred !== 'portal' && action.channels.includes(preferred)
            ? [preferred, ...action.channels.filter((c) => c !== preferred)]
            : action.channels;
        await contact(step, channels, snap, async (channel) => {
          const summary = `${step.label} (${channel}, ${snap.snapshot.locale ?? 'en'})`;
          const result = await sendMessageAs(
            channel,
            summary,
          )({
            debtorId: input.debtorId,
            idempotencyKey: `${key}/${channel}`,
            channel,
            template: action.template,
            tone: strategy.tone,
            stepLabel: step.label,
          });
          if (result.outcome === 'deferred') return { until: result.until, reason: result.reason };
          return result.outcome === 'sent' || result.outcome === 'already-sent' ? 'done' : 'next-channel';
        });
        return;
      }
      case 'agent-task': {
        const run = async (): Promise<ContactResult> => {
          const dueAt =
            action.task === 'call'
              ? callDeadline(Date.now(), action.slaDays, debtorZone, debtorCountry, policies.contactPolicy)
              : Date.now() + action.slaDays * DAY_MS;
          let task: AwaitedTask = {
            key,
            kind: action.task,
            label: step.label,
            dueAt,
            deadline: dueAt,
            recording: false,
          };
          // A debtor who asks for a call-back gets a new task due then; any other outcome ends the step.
          for (let callBacks = 1; ; callBacks++) {
            const outcome = await workAgentTask(task);
            if (outcome?.kind !== 'call-back') return 'done';
            const at = Date.parse(outcome.at);
            task = {
              key: `${key}/call-back-${callBacks}`,
              kind: 'call-back',
              label: `${step.label}: call-back`,
              dueAt: at,
              deadline: at + CALL_BACK_GRACE_MS,
              recording: false,
            };
          }
        };
        if (action.task === 'call') await contact(step, ['call'], snap, run);
        else await run();
        return;
      }
      case 'escalate':
        await escalateCase({ debtorId: input.debtorId, escalationKey: key });
        throw new CaseClosed('escalated');
      case 'recommend-write-off':
        pending.push({
          type: 'write-off-recommended',
          summary: 'Collecting costs more than the claim: write-off recommended',
        });
        throw new CaseClosed('written-off');
    }
  }

  try {
    let snap = await refresh();
    await publish({
      type: input.episode === 1 ? 'case-opened' : 'episode-started',
      summary: `${strategy.workflowType} (${strategy.version}) started: ${strategy.purpose} Rule ${state.ruleId}: ${state.reasons.join('; ')}`,
    });
    let lastStepAt = Date.now();
    for (const step of strategy.steps) {
      snap = await waitUntil(lastStepAt + step.afterDays * DAY_MS, step.label);
      await runStep(step, snap);
      lastStepAt = Date.now();
      await publish();
    }
    // The strategy is done; the case stays open and waits for facts to change.
    state.currentStep = 'waiting';
    for (;;) await waitUntil(Infinity, 'Waiting for payment or new facts');
  } catch (error) {
    ending = true;
    if (error instanceof SegmentChanged) {
      state.currentStep = 'changing segment';
      await publish();
      await condition(allHandlersFinished);
      await Promise.all(sideTasks);
      const next = policies.strategies[error.segment];
      const continueAs = makeContinueAsNewFunc<(input: CaseInput) => Promise<CaseOutcome>>({
        workflowType: next.workflowType,
      });
      return continueAs({
        debtorId: input.debtorId,
        strategyVersion: next.version,
        episode: input.episode + 1,
        caseOpenedAt: openedAt,
        brokenPromises,
        promise,
        disputed,
        operatorPaused,
        plan,
      });
    }
    if (!(error instanceof CaseClosed)) throw error;
    state.status = error.status;
    state.closedAt = new Date().toISOString();
    state.currentStep = 'closed';
    state.nextStep = null;
    state.nextStepAt = null;
    await publish({ type: 'case-closed', summary: `Case closed: ${error.status}` });
    await condition(allHandlersFinished);
    await Promise.all(sideTasks);
    return { status: error.status, closedAt: state.closedAt };
  }
}

function fail(message: string): never {
  throw new Error(message);
}
