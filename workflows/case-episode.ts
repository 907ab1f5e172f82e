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
  addDays,
  decideContact,
  toLocal,
  zonedTimeToEpoch,
  type PolicyFacts,
} from '../domain/contact-policy/index.js';
import { channelTaskQueue } from '../domain/channel-queues.js';
import {
  acceptPlan,
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
import type { MessageTemplate, StrategyStep } from '../domain/strategies/types.js';
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
  resolveDisputeUpdate,
  resumeUpdate,
  type CaseAnswer,
} from './messages.js';

type Activities = ReturnType<typeof createActivities>;
type Snapshot = Awaited<ReturnType<Activities['loadCaseSnapshot']>>;

const DAY_MS = 86_400_000;
const MAX_PROMISE_DAYS = 30;
/** A person reviews a dispute from the portal within this many days. */
const DISPUTE_REVIEW_DAYS = 3;
/** A promise is checked one day after its date: payments take a day to be booked. */
const PROMISE_GRACE_MS = DAY_MS;

const { loadCaseSnapshot, loadPolicies, reportCase, createAgentTask, withdrawAgentTask, escalateCase } =
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
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

  setHandler(
    promiseToPayUpdate,
    (p) => {
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
    },
    {
      validator: (p) => {
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
      },
    },
  );
  setHandler(
    openDisputeUpdate,
    (d) => {
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
    },
    { validator: (_d) => requireOpen() },
  );
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
  setHandler(
    proposePaymentPlanUpdate,
    (p) => {
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
    },
    {
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
    },
  );

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
          const dueAt = Date.now() + action.slaDays * DAY_MS;
          await createAgentTask({
            debtorId: input.debtorId,
            taskKey: key,
            kind: action.task,
            label: step.label,
            dueAt,
          });
          state.nextStep = `Waiting for the agent: ${step.label}`;
          state.nextStepAt = new Date(dueAt).toISOString();
          await publish();
          try {
            await waitUntil(dueAt, `${step.label} deadline`);
          } finally {
            await withdrawAgentTask({
              debtorId: input.debtorId,
              taskKey: key,
              reason: 'deadline or case change',
            });
          }
          return 'done';
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
