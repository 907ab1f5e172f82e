import { allHandlersFinished, condition, makeContinueAsNewFunc, patched } from '@temporalio/workflow';
import { caseInputSchema, type CaseInput, type CaseOutcome } from '../../domain/case.js';
import type { SegmentId } from '../../domain/segmentation/types.js';
import { loadPolicies, local, withdrawOpenAgentTasks } from './activities.js';
import { DAY_MS } from './commitments.js';
import { CaseClosed, SegmentChanged } from './errors.js';
import { openingFacts, publish } from './facts.js';
import { installHandlers, type EpisodeSlot } from './handlers.js';
import { Episode } from './state.js';
import { enterNextStage, nextStageOf } from './stages.js';
import { runStep } from './steps.js';
import { waitUntil } from './waiting.js';

/**
 * One segment episode of a case: runs the segment's strategy step by step, re-assesses the debtor
 * before every step and whenever facts change, and continues-as-new into another segment's
 * workflow when the assessment says so. The workflow decides; the facts live in the database.
 */
export async function runEpisode(segment: SegmentId, rawInput: CaseInput): Promise<CaseOutcome> {
  const carried = caseInputSchema.parse(rawInput);
  const slot: EpisodeSlot = {};
  installHandlers(slot, segment, carried);
  // A new case records one patch marker (each costs two events): the lean step implies the lean case.
  const leanStep = patched('lean-step');
  const lean = leanStep || patched('lean-case');
  // Policies and strategy are read once: the episode runs by what was in force when it started.
  const policies = await (lean ? local.loadPolicies() : loadPolicies());
  const ep = new Episode(segment, policies, carried, lean, leanStep);
  carried.caseOpenedAt = ep.state.openedAt;
  slot.ep = ep;
  try {
    return await followStrategy(ep, slot.earlySignals ?? 0);
  } catch (error) {
    ep.ending = true;
    if (error instanceof SegmentChanged) return continueInto(ep, error.segment);
    if (error instanceof CaseClosed) return close(ep, error);
    throw error;
  }
}

/** Opens the episode, then waits for and runs each step of the strategy. */
async function followStrategy(ep: Episode, earlySignals: number): Promise<never> {
  const { strategy, state } = ep;
  let snap = await openingFacts(ep, earlySignals);
  const opened = {
    type: ep.carried.episode === 1 ? 'case-opened' : 'episode-started',
    summary: `${strategy.workflowType} (${strategy.version}) started: ${strategy.purpose} Rule ${state.ruleId}: ${state.reasons.join('; ')}`,
  };
  // A lean run reports the opening with its first decision; older histories reported it at once.
  if (ep.lean) ep.pending.push(opened);
  else await publish(ep, opened);
  let lastStepAt = Date.now();
  let factsHeld = true;
  let readAfterSend = false;
  for (const [i, step] of strategy.steps.entries()) {
    // The facts read for the last decision serve this one when nothing changed since: at the
    // opening, before a step that waits (the timer's wake-up reads them again), and right after a
    // send that brought them back (read after its message).
    const fresh = ep.lean && factsHeld && (i === 0 || step.afterDays > 0 || readAfterSend) ? snap : undefined;
    const at = lastStepAt + step.afterDays * DAY_MS;
    snap = await waitUntil(ep, at, step.label, undefined, fresh, step.action.kind === 'message');
    const done = await runStep(ep, step, snap, strategy.steps[i + 1]);
    factsHeld = done.held;
    readAfterSend = done.facts !== undefined;
    snap = done.facts ?? snap;
    lastStepAt = done.at ?? Date.now();
    if (!ep.lean) await publish(ep);
  }
  // The strategy is done: the case goes on into its next stage. Histories recorded before next
  // stages existed waited here for new facts; checked at each wake-up, so they move on live.
  state.currentStep = 'waiting';
  for (;;) {
    const stage = nextStageOf(ep);
    if (stage) return enterNextStage(ep, stage, lastStepAt);
    await waitUntil(ep, Infinity, 'Waiting for payment or new facts');
  }
}

/** Hands everything the case carries to the next segment's workflow, under the same workflow id. */
async function continueInto(ep: Episode, segment: SegmentId): Promise<CaseOutcome> {
  ep.state.currentStep = 'changing segment';
  await publish(ep);
  await condition(allHandlersFinished);
  await Promise.all(ep.sideTasks);
  const next = ep.policies.strategies[segment];
  const continueAs = makeContinueAsNewFunc<(input: CaseInput) => Promise<CaseOutcome>>({
    workflowType: next.workflowType,
  });
  return continueAs(
    caseInputSchema.parse({
      ...ep.carried,
      openingFacts: undefined,
      strategyVersion: next.version,
      episode: ep.carried.episode + 1,
    }),
  );
}

async function close(ep: Episode, closed: CaseClosed): Promise<CaseOutcome> {
  const { state } = ep;
  state.status = closed.status;
  state.closedAt = new Date().toISOString();
  state.currentStep = 'closed';
  state.nextStep = null;
  state.nextStepAt = null;
  state.nextDecisionAt = null;
  await publish(ep, { type: 'case-closed', summary: `Case closed: ${closed.status}` });
  await condition(allHandlersFinished);
  await Promise.all(ep.sideTasks);
  // Side tasks (supervisor reviews, call-backs, dispute reviews) leave the inbox with the case.
  // Histories closed before this left them open.
  if (ep.since('close-withdraws-tasks')) {
    await withdrawOpenAgentTasks({ debtorId: ep.debtorId, reason: `case ${closed.status}` });
  }
  return { status: closed.status, closedAt: state.closedAt };
}
