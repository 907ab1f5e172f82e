import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { caseFigures, type CaseStatus } from '../../domain/case.js';
import * as sa from '../../domain/search-attributes.js';
import { daysPastDue } from '../../domain/dates.js';
import { assess } from '../../domain/segmentation/assess.js';
import { raisedSegment } from '../../domain/strategies/types.js';
import type { Snapshot } from './activities.js';
import { CaseClosed, SegmentChanged } from './errors.js';
import { followPlan } from './plan.js';
import type { Episode, TimelineEntry } from './state.js';

/**
 * Shows the case's state in the Web UI (details, search attributes) and reports it to the database
 * with the timeline entries collected since the last report.
 */
export async function publish(ep: Episode, event?: TimelineEntry): Promise<void> {
  const { state } = ep;
  state.status = state.closedAt ? state.status : ep.statusNow();
  state.plan = ep.planNow();
  setCurrentDetails(
    [
      `**${state.status}** · segment **${state.segment}** (${state.strategyVersion}), episode ${state.episode}`,
      `Rule ${state.ruleId}: ${state.reasons.join('; ') || '—'}`,
      `Step: ${state.currentStep ?? '—'} · next: ${state.nextStep ?? '—'}${state.nextStepAt ? ` at ${state.nextStepAt}` : ''}`,
    ].join('\n\n'),
  );
  upsertChanged(ep, ep.leanStep ? leanAttributes(ep) : stepAttributes(ep));
  const events = [...ep.pending.splice(0), ...(event ? [event] : [])];
  // A lean run reports only what changed since its last report.
  const reported = JSON.stringify(state);
  const urgent = ep.answering;
  ep.answering = false;
  if (ep.lean && events.length === 0 && reported === ep.lastReport) return;
  ep.lastReport = reported;
  await ep.io.reportCase({ state, workflowId: ep.info.workflowId, runId: ep.info.runId, events, urgent });
}

/**
 * What the Web UI filters on, as cases before the lean step upserted it: the step and the days past
 * due change at every step, an upsert (one history event) each time.
 */
function stepAttributes(ep: Episode): SearchAttributeUpdatePair[] {
  const { state } = ep;
  return [
    { key: sa.DunningStatus, value: state.status },
    { key: sa.DunningSegment, value: state.segment },
    { key: sa.DunningStep, value: state.currentStep ?? 'none' },
    { key: sa.StrategyVersion, value: state.strategyVersion },
    { key: sa.AmountDue, value: state.openAmount },
    { key: sa.DaysPastDue, value: state.daysPastDue },
    // Only cases in an experiment carry it: histories without one keep their exact commands.
    ...(state.variant ? [{ key: sa.StrategyVariant, value: state.variant.name }] : []),
  ];
}

/**
 * Since the lean step only what rarely changes: the days past due become the date the case is
 * overdue since, and the step is in the case's details (Web UI) and the API, not an attribute.
 */
function leanAttributes(ep: Episode): SearchAttributeUpdatePair[] {
  const { state } = ep;
  return [
    { key: sa.DunningStatus, value: state.status },
    { key: sa.DunningSegment, value: state.segment },
    { key: sa.StrategyVersion, value: state.strategyVersion },
    { key: sa.AmountDue, value: state.openAmount },
    ...(ep.overdueSince ? [{ key: sa.OverdueSince, value: sa.overdueSinceValue(ep.overdueSince) }] : []),
    ...(state.variant ? [{ key: sa.StrategyVariant, value: state.variant.name }] : []),
  ];
}

/** Older histories upserted every attribute each time; a lean run upserts the ones that changed. */
function upsertChanged(ep: Episode, attributes: SearchAttributeUpdatePair[]): void {
  const shown = (value: unknown) => (value instanceof Date ? value.toISOString() : value);
  const changed = ep.lean
    ? attributes.filter(({ key, value }) => ep.searchAttributes.get(key.name) !== shown(value))
    : attributes;
  if (changed.length === 0) return;
  for (const { key, value } of changed) ep.searchAttributes.set(key.name, shown(value));
  upsertSearchAttributes(changed);
}

/**
 * Reads the facts, settles promises and re-assesses. Throws CaseClosed when the case is over and
 * SegmentChanged when the debtor belongs elsewhere now.
 */
export async function refresh(ep: Episode): Promise<Snapshot> {
  for (;;) {
    ep.factsRead = ep.factsChanges;
    const snap = await ep.io.loadCaseSnapshot({
      debtorId: ep.debtorId,
      asOf: new Date().toISOString(),
      urgent: ep.answering,
    });
    if (await decide(ep, snap)) return snap;
  }
}

/**
 * The opening's facts: those the start carried (read by the API as it opened the case), moved to
 * today, when nothing changed since; otherwise read. The start's own signal (the invoice recorded)
 * is the one change they already hold; `earlySignals` counts those that came before the episode.
 */
export async function openingFacts(ep: Episode, earlySignals: number): Promise<Snapshot> {
  const carried = ep.carried.openingFacts;
  if (!ep.leanStep || !carried || earlySignals !== 1) return refresh(ep);
  return decideOn(ep, projectedTo(carried, Date.now()), 0);
}

/**
 * Decides on facts read elsewhere (by a send that reported its step, or projected to a timer's
 * wake-up); `readAt` is the count of fact changes when they were read. Reads again if they are out
 * of date by then.
 */
export async function decideOn(ep: Episode, snap: Snapshot, readAt: number): Promise<Snapshot> {
  ep.factsRead = readAt;
  return (await decide(ep, snap)) ? snap : refresh(ep);
}

/** Facts read earlier, as they stand at `now` when nothing changed them: only the days past due move. */
export function projectedTo(snap: Snapshot, now: number): Snapshot {
  const { oldestDueDate } = snap;
  if (!oldestDueDate) return snap;
  const days = daysPastDue(oldestDueDate, new Date(now), snap.snapshot.timezone ?? 'UTC');
  return { ...snap, snapshot: { ...snap.snapshot, daysPastDue: days } };
}

/**
 * Settles promises and re-assesses on the facts; false when they must be read again (the debtor
 * paid, and a signal since says more may have changed).
 */
async function decide(ep: Episode, snap: Snapshot): Promise<boolean> {
  const { carried, state } = ep;
  ep.debtorZone = snap.snapshot.timezone ?? 'UTC';
  ep.debtorCountry = snap.snapshot.country;
  ep.paidTotal = snap.paidTotal ?? 0;
  ep.overdueSince = snap.oldestDueDate ?? null;
  const preferred = snap.snapshot.preferredChannel;
  ep.preferredDigital = preferred === 'sms' || preferred === 'email' ? preferred : undefined;
  Object.assign(state, caseFigures(snap.snapshot));
  if (ep.closing) throw new CaseClosed(ep.closing);
  if (snap.snapshot.openAmount <= 0) {
    if (ep.factsRead === ep.factsChanges) throw new CaseClosed(settledAs(ep, snap));
    return false;
  }
  const promise = carried.promise;
  if (promise && promise.until <= Date.now()) {
    const kept = snap.snapshot.openAmount <= promise.expectedOpen;
    if (!kept) carried.brokenPromises++;
    ep.pending.push({
      type: kept ? 'promise-kept' : 'promise-broken',
      summary: kept
        ? 'Promise kept'
        : `Promise broken (${carried.brokenPromises} in this case); re-assessing`,
    });
    carried.promise = undefined;
    state.promisedUntil = null;
  }
  if (carried.plan && !carried.disputed && !carried.operatorPaused) await followPlan(ep);
  const assessment = assess(
    { ...snap.snapshot, brokenPromisesInCase: carried.brokenPromises },
    snap.segmentation ?? ep.policies.segmentation,
  );
  const segment = raisedSegment(assessment.segment, carried.stageFloor);
  state.ruleId = assessment.ruleId;
  state.reasons =
    segment === assessment.segment
      ? assessment.reasons
      : [...assessment.reasons, `kept in ${segment}: an earlier strategy's next stage moved the case on`];
  // A case with the agency stays where it is: the agency works it, the assessment only reports.
  if (segment !== ep.segment && !ep.handoff) {
    ep.pending.push({
      type: 'segment-changed',
      summary: `Segment ${ep.segment} → ${segment} (rule ${assessment.ruleId}: ${state.reasons.join('; ')})`,
    });
    throw new SegmentChanged(segment);
  }
  return true;
}

/**
 * Nothing is open any more: paid, unless billing withdrew part of the claim, then the case is
 * cancelled (no thanks for a payment that was not made). Histories from before the patch close paid.
 */
function settledAs(ep: Episode, snap: Snapshot): CaseStatus {
  return snap.claimWithdrawn && ep.since('withdrawn-claim-cancels') ? 'cancelled' : 'paid';
}
