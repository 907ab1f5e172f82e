import { callDeadline } from '../../domain/agent-tasks.js';
import { stateAfterSend } from '../../domain/case.js';
import { decideContact, type PolicyFacts } from '../../domain/contact-policy/index.js';
import type { Channel } from '../../domain/segmentation/types.js';
import type { StrategyStep } from '../../domain/strategies/types.js';
import type { StepReport } from '../../activities/index.js';
import { REASSESS_EVERY_DAYS } from '../../domain/strategies/defaults.js';
import { escalateCase, sendMessageAs, type Snapshot } from './activities.js';
import { decideOn } from './facts.js';
import { escalateUnanswered, workAgentTask } from './agent-tasks.js';
import { DAY_MS } from './commitments.js';
import { CaseClosed } from './errors.js';
import type { AwaitedTask, Episode } from './state.js';
import { waitUntil } from './waiting.js';

/** The agent has a day after a call-back's time to make it. */
const CALL_BACK_GRACE_MS = DAY_MS;

/** What an attempt on one channel came to: done, try the next channel, or wait and try again. */
type ContactResult = 'done' | 'next-channel' | { until: number; reason: string };

function policyFacts(ep: Episode, snap: Snapshot, channel: Channel): PolicyFacts {
  return {
    timezone: snap.snapshot.timezone ?? 'UTC',
    country: snap.snapshot.country,
    channel: snap.snapshot.contactPoints.find((c) => c.channel === channel),
    paid: snap.snapshot.openAmount <= 0,
    disputed: ep.carried.disputed,
    pausedUntil: ep.carried.promise?.until ?? null,
    operatorPaused: ep.carried.operatorPaused,
    history: snap.history,
  };
}

/** Asks the contact policy for each channel in order; waits durably when the answer is "not now". */
async function contact(
  ep: Episode,
  step: StrategyStep,
  channels: Channel[],
  snap: Snapshot,
  act: (c: Channel) => Promise<ContactResult>,
  /** The act is a send, which re-reads the facts itself before anything goes out. */
  sends = false,
) {
  for (const channel of channels) {
    for (;;) {
      // A dispute or pause that arrived during the step holds the rest of it, not skips it.
      if (ep.paused()) {
        snap = await waitUntil(ep, Date.now(), step.label);
        continue;
      }
      const decision = decideContact(
        channel,
        Date.now(),
        policyFacts(ep, snap, channel),
        ep.policies.contactPolicy,
      );
      if (decision.verdict === 'allowed') {
        const result = await act(channel);
        if (result === 'done') return;
        if (result === 'next-channel') break;
        // The send activity found the moment gone (e.g. retries ran past the window): wait again.
        ep.pending.push({
          type: 'contact-deferred',
          summary: `${step.label} by ${channel}: ${result.reason}`,
        });
        snap = await waitUntil(ep, result.until, step.label, result.reason);
        continue;
      }
      if (decision.verdict === 'never') {
        ep.pending.push({
          type: 'contact-skipped',
          summary: `${step.label} by ${channel} skipped: ${decision.reason}`,
        });
        break;
      }
      ep.pending.push({
        type: 'contact-deferred',
        summary: `${step.label} by ${channel}: ${decision.reason}`,
      });
      const trusted = ep.startedWithFacts;
      snap = await waitUntil(
        ep,
        decision.until,
        step.label,
        decision.reason,
        trusted ? snap : undefined,
        trusted && sends,
      );
    }
  }
  ep.pending.push({ type: 'step-skipped', summary: `${step.label}: no channel was allowed` });
}

/** How a step ended: whether the facts read before it still hold, and what the send brought back. */
export interface StepDone {
  held: boolean;
  /** The facts read after a send that reported the step (the lean step). */
  facts?: Snapshot;
  /** When the step was done, for the next step's cadence: the moment of a send that reported it. */
  at?: number;
}

/**
 * In a lean step the send stores the case as it will wait for the next step, when that is known now:
 * a next strategy step within the re-assessment interval (a longer wait re-assesses first).
 */
function stepReport(ep: Episode, next: StrategyStep | undefined): StepReport | undefined {
  if (!ep.leanStep || !next || next.afterDays > REASSESS_EVERY_DAYS) return undefined;
  return {
    state: { ...ep.state, status: ep.statusNow(), plan: ep.planNow(), nextStep: next.label },
    nextAfterMs: next.afterDays * DAY_MS,
    workflowId: ep.info.workflowId,
    runId: ep.info.runId,
    events: ep.pending.splice(0),
  };
}

/** A message on the first allowed channel, the debtor's preferred digital one first where the step says so. */
async function sendStepMessage(
  ep: Episode,
  step: StrategyStep,
  action: Extract<StrategyStep['action'], { kind: 'message' }>,
  key: string,
  snap: Snapshot,
  next: StrategyStep | undefined,
): Promise<StepDone> {
  const done: StepDone = { held: true };
  const preferred = snap.snapshot.preferredChannel;
  const channels =
    action.preferred && preferred && preferred !== 'portal' && action.channels.includes(preferred)
      ? [preferred, ...action.channels.filter((c) => c !== preferred)]
      : action.channels;
  await contact(
    ep,
    step,
    channels,
    snap,
    async (channel) => {
      const summary = `${step.label} (${channel}, ${snap.snapshot.locale ?? 'en'})`;
      const report = stepReport(ep, next);
      const readAt = ep.factsChanges;
      const result = await sendMessageAs(
        channel,
        summary,
      )({
        debtorId: ep.debtorId,
        idempotencyKey: `${key}/${channel}`,
        channel,
        template: action.template,
        tone: ep.strategy.tone,
        stepLabel: step.label,
        ...(report ? { report } : {}),
      });
      if (report && result.reported) {
        // What the send stored, computed here from what it brought back (never taken from its
        // result: a history must replay the same when the state's shape changes later).
        const { facts, at } = result.reported;
        ep.lastReport = JSON.stringify(stateAfterSend(report.state, facts.snapshot, at, report.nextAfterMs));
        done.facts = await decideOn(ep, facts, readAt);
        done.at = at;
      } else if (report) ep.pending.unshift(...report.events);
      if (result.outcome === 'deferred') return { until: result.until, reason: result.reason };
      if (result.outcome === 'sent' || result.outcome === 'already-sent') return 'done';
      // A rejected address or a skip: the facts changed (or were not what the step assumed).
      done.held = false;
      return 'next-channel';
    },
    true,
  );
  return done;
}

/** Work for a person; a debtor who asks for a call-back gets a new task due then. */
async function agentStep(
  ep: Episode,
  step: StrategyStep,
  action: Extract<StrategyStep['action'], { kind: 'agent-task' }>,
  key: string,
  snap: Snapshot,
): Promise<void> {
  const run = async (): Promise<ContactResult> => {
    const dueAt =
      action.task === 'call'
        ? callDeadline(Date.now(), action.slaDays, ep.debtorZone, ep.debtorCountry, ep.policies.contactPolicy)
        : Date.now() + action.slaDays * DAY_MS;
    let task: AwaitedTask = {
      key,
      kind: action.task,
      label: step.label,
      dueAt,
      deadline: dueAt,
      recording: false,
    };
    // Any outcome other than a call-back ends the step.
    for (let callBacks = 1; ; callBacks++) {
      const outcome = await workAgentTask(ep, task);
      if (!outcome && !ep.paused()) escalateUnanswered(ep, task);
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
  if (action.task === 'call') await contact(ep, step, ['call'], snap, run);
  else await run();
}

/**
 * The step runner: one strategy step, by its action (`next` is the strategy's step after it). Answers
 * whether the facts read before it still hold (a message went out as planned; the contact history is
 * read again at the next wake-up), and what a reporting send brought back.
 */
export async function runStep(
  ep: Episode,
  step: StrategyStep,
  snap: Snapshot,
  next?: StrategyStep,
): Promise<StepDone> {
  ep.state.currentStep = step.id;
  const key = `${ep.caseKey}/${ep.carried.episode}/${step.id}`;
  const action = step.action;
  switch (action.kind) {
    case 'message':
      return sendStepMessage(ep, step, action, key, snap, next);
    case 'agent-task':
      await agentStep(ep, step, action, key, snap);
      return { held: false };
    case 'escalate':
      await escalateCase({ debtorId: ep.debtorId, escalationKey: key });
      throw new CaseClosed('escalated');
    case 'recommend-write-off':
      ep.pending.push({
        type: 'write-off-recommended',
        summary: 'Collecting costs more than the claim: write-off recommended',
      });
      throw new CaseClosed('written-off');
  }
}
