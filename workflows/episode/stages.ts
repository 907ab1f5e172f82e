import {
  DECISION_LABELS,
  DECISIONS,
  type DecisionTaskKind,
  type SupervisorDecision,
} from '../../domain/agent-tasks.js';
import { formatMinorUnits } from '../../domain/segmentation/assess.js';
import { defaultStrategies } from '../../domain/strategies/defaults.js';
import { describeNextStage, type NextStage, type StrategyStep } from '../../domain/strategies/types.js';
import { escalateCase } from './activities.js';
import { handOver } from './handoff.js';
import { workAgentTask } from './agent-tasks.js';
import { DAY_MS } from './commitments.js';
import { CaseClosed, SegmentChanged } from './errors.js';
import { publish } from './facts.js';
import type { Episode } from './state.js';
import { runStep } from './steps.js';
import { waitUntil } from './waiting.js';

/** How long a supervisor has for a decision before the task is put to them again. */
const SUPERVISOR_SLA_DAYS = 3;

/**
 * The strategy's next stage, for a case whose last step has run. Strategies recorded before next
 * stages existed take their segment's default; histories of cases that waited after their last step
 * before this change replay their old waits (`patched`), and move on at their next wake-up.
 */
export function nextStageOf(ep: Episode): NextStage | undefined {
  if (!ep.since('next-stage')) return undefined;
  return ep.strategy.nextStage ?? defaultStrategies[ep.segment].nextStage;
}

/** Waits `afterDays` after the last step (pauses hold it), then takes the case into its next stage. */
export async function enterNextStage(ep: Episode, stage: NextStage, lastStepAt: number): Promise<never> {
  ep.state.currentStep = 'next-stage';
  await waitUntil(ep, lastStepAt + stage.afterDays * DAY_MS, `Next stage: ${describeNextStage(stage)}`);
  switch (stage.kind) {
    case 'segment':
      ep.carried.stageFloor = stage.segment;
      ep.pending.push({
        type: 'segment-changed',
        summary: `Segment ${ep.segment} → ${stage.segment}: the strategy's last step went unanswered (next stage)`,
      });
      throw new SegmentChanged(stage.segment);
    case 'hand-over':
      return carryOut(ep, await decide(ep, 'handoff-approval'));
    case 'write-off':
      return writeOff(ep, stage.automaticallyBelow);
    case 'periodic-review':
      for (let round = 2; ; round++) {
        await repeatTask(ep, round);
        await waitUntil(ep, Date.now() + stage.afterDays * DAY_MS, `Review ${round + 1}`);
      }
    case 'supervisor-decision':
      for (let round = 2; round <= stage.retries + 1; round++) {
        await repeatTask(ep, round);
        await waitUntil(ep, Date.now() + stage.afterDays * DAY_MS, 'Supervisor decision');
      }
      return carryOut(ep, await decide(ep, 'supervisor-decision'));
  }
}

/** The strategy's last agent task once more (a review or research round). */
async function repeatTask(ep: Episode, round: number): Promise<void> {
  const last = ep.strategy.steps.filter((s) => s.action.kind === 'agent-task').at(-1);
  if (!last) return;
  const step: StrategyStep = { ...last, id: `${last.id}-${round}`, label: `${last.label} (round ${round})` };
  await runStep(ep, step, await waitUntil(ep, Date.now(), step.label));
}

/**
 * A supervisor's decision task; one that runs past its deadline unanswered is put to the
 * supervisors again, so the decision never evaporates.
 */
async function decide(ep: Episode, kind: DecisionTaskKind): Promise<SupervisorDecision> {
  const what = kind === 'write-off-approval' ? 'write-off-requested' : 'handoff-requested';
  ep.pending.push({
    type: what,
    summary: `${LABELS[kind]}: ${formatMinorUnits(ep.state.openAmount)} ${ep.state.currency ?? ''} open, ${ep.state.daysPastDue} days past due; a supervisor decides (${DECISIONS[kind].join(', ')})`,
  });
  for (let round = 1; ; round++) {
    const deadline = Date.now() + SUPERVISOR_SLA_DAYS * DAY_MS;
    const outcome = await workAgentTask(ep, {
      key: `${ep.caseKey}/${ep.carried.episode}/${kind}-${round}`,
      kind,
      label: round === 1 ? LABELS[kind] : `${LABELS[kind]} (reminder ${round - 1})`,
      dueAt: deadline,
      deadline,
      recording: false,
    });
    if (outcome?.kind === 'decision') {
      ep.pending.push({
        type: kind === 'write-off-approval' ? 'write-off-decided' : 'handoff-decided',
        summary: `Supervisor decided: ${DECISION_LABELS[outcome.decision]}`,
      });
      return outcome.decision;
    }
    // Paused meanwhile (a promise, a dispute): the decision waits for the pause to end.
    await waitUntil(ep, Date.now(), LABELS[kind]);
  }
}

const LABELS: Record<DecisionTaskKind, string> = {
  'handoff-approval': 'Hand-over approval',
  'supervisor-decision': 'Supervisor decision',
  'write-off-approval': 'Write-off approval',
};

/** A supervisor's decision carried out; `keep` runs the segment's strategy again from its first step. */
async function carryOut(ep: Episode, decision: SupervisorDecision): Promise<never> {
  await publish(ep);
  if (decision === 'hand-over') {
    // Histories from before hand-over packages wrote an `escalations` row and closed the case.
    if (ep.since('handoff-package')) {
      const back = await handOver(ep);
      if (back === 'write-off') return carryOut(ep, await decide(ep, 'write-off-approval'));
      throw new SegmentChanged(ep.segment);
    }
    await escalateCase({
      debtorId: ep.debtorId,
      escalationKey: `${ep.caseKey}/${ep.carried.episode}/hand-over`,
    });
    throw new CaseClosed('escalated');
  }
  if (decision === 'write-off') throw new CaseClosed('written-off');
  throw new SegmentChanged(ep.segment);
}

/** Below the limit of its currency the balance is written off at once; above it a supervisor approves. */
async function writeOff(ep: Episode, automaticallyBelow: Record<string, number>): Promise<never> {
  const { openAmount, currency } = ep.state;
  const limit = currency ? automaticallyBelow[currency] : undefined;
  const open = `${formatMinorUnits(openAmount)} ${currency ?? ''}`;
  if (limit !== undefined && openAmount < limit) {
    ep.pending.push({
      type: 'write-off-decided',
      summary: `Written off automatically: ${open} is below the limit of ${formatMinorUnits(limit)} ${currency}`,
    });
    throw new CaseClosed('written-off');
  }
  return carryOut(ep, await decide(ep, 'write-off-approval'));
}
