import { condition } from '@temporalio/workflow';
import { nextPlanEvent } from '../../domain/payment-plan.js';
import { REASSESS_EVERY_DAYS } from '../../domain/strategies/defaults.js';
import type { Snapshot } from './activities.js';
import { DAY_MS } from './commitments.js';
import { decideOn, projectedTo, publish, refresh } from './facts.js';
import type { Episode } from './state.js';

/**
 * When the case decides next: `target`, but no later than REASSESS_EVERY_DAYS from now, so no open
 * case waits without a date. Sets `nextDecisionAt`. Patched in: histories recorded before the
 * periodic re-assessment replay with their old (possibly endless) waits.
 */
export function decisionAt(ep: Episode, target: number): number {
  const at = ep.since('periodic-reassessment')
    ? Math.min(target, Date.now() + REASSESS_EVERY_DAYS * DAY_MS)
    : target;
  ep.state.nextDecisionAt = Number.isFinite(at) ? new Date(at).toISOString() : null;
  return at;
}

/** After a timed re-assessment: a timeline entry only when the rule or the open amount moved. */
function noteReassessment(ep: Episode, before: { ruleId: string; openAmount: number }): void {
  const { ruleId, openAmount, currency } = ep.state;
  if (ruleId === before.ruleId && openAmount === before.openAmount) return;
  const open = `${openAmount}${currency ? ` ${currency}` : ''}`;
  ep.pending.push({
    type: 'reassessed',
    summary: `Re-assessed: rule ${ruleId}, ${open} open, ${ep.state.daysPastDue} days past due`,
  });
}

/**
 * Sleeps until `at` (durable timer), waking early to re-read facts whenever a signal or update
 * arrives, and at least every REASSESS_EVERY_DAYS to re-assess. `why` becomes the timer's summary in
 * the Web UI.
 */
export async function waitUntil(
  ep: Episode,
  at: number,
  label: string,
  why = `Until ${label}`,
  /** Facts just read for this decision, when nothing has changed since (lean runs only). */
  fresh?: Snapshot,
  /** What follows is a send, which re-reads the facts itself (a lean step decides without reading). */
  sendFollows = false,
): Promise<Snapshot> {
  const { carried, state } = ep;
  let snap = fresh && ep.factsRead === ep.factsChanges ? fresh : await refresh(ep);
  for (;;) {
    const promise = carried.promise;
    const pauseEnd = promise && promise.until > Date.now() ? promise.until : undefined;
    // While a plan runs, the case wakes for its reminders and checks; outreach waits for its end.
    const planAt = carried.plan ? nextPlanEvent(carried.plan, ep.debtorZone)?.at : undefined;
    const target = ep.paused()
      ? carried.disputed || carried.operatorPaused
        ? Infinity
        : (planAt ?? pauseEnd ?? at)
      : at;
    state.nextStep = ep.paused() && target !== at ? `${label} (after the pause)` : label;
    state.nextStepAt = Number.isFinite(Math.max(target, at))
      ? new Date(Math.max(target, at)).toISOString()
      : null;
    const decideAt = decisionAt(ep, target);
    await publish(ep);
    if (!ep.paused() && target - Date.now() <= 0) return snap;
    const changed = () => ep.factsChanges !== ep.factsRead;
    const reassessing = decideAt < target;
    const before = { ruleId: state.ruleId, openAmount: state.openAmount };
    let woke = true;
    const remaining = decideAt - Date.now();
    if (Number.isFinite(remaining)) {
      const summary = reassessing
        ? `Re-assessment (every ${REASSESS_EVERY_DAYS} days)`
        : ep.paused()
          ? `Paused (${state.status})`
          : why;
      woke = await condition(changed, Math.max(remaining, 1), { summary });
    } else await condition(changed);
    const unchanged = !woke && !reassessing && !carried.promise && !carried.plan;
    if (unchanged && ep.leanStep && sendFollows && Date.now() >= at) {
      // A send's time, and nothing changed (every change of facts signals the case): decide on the
      // facts as of now; the send re-reads them before anything goes out. Decisions on money (a
      // write-off, a hand-over) read them, interest included.
      return decideOn(ep, projectedTo(snap, Date.now()), ep.factsRead);
    }
    snap = await refresh(ep);
    if (!woke && reassessing) noteReassessment(ep, before);
    if (!woke && !ep.paused() && Date.now() >= at) return snap;
  }
}
