import { condition } from '@temporalio/workflow';
import { nextPlanEvent } from '../../domain/payment-plan.js';
import type { Snapshot } from './activities.js';
import { publish, refresh } from './facts.js';
import type { Episode } from './state.js';

/**
 * Sleeps until `at` (durable timer), waking early to re-read facts whenever a signal or update
 * arrives. `why` becomes the timer's summary in the Web UI.
 */
export async function waitUntil(
  ep: Episode,
  at: number,
  label: string,
  why = `Until ${label}`,
): Promise<Snapshot> {
  const { carried, state } = ep;
  let snap = await refresh(ep);
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
    await publish(ep);
    const remaining = target - Date.now();
    if (!ep.paused() && remaining <= 0) return snap;
    const changed = () => ep.factsChanges !== ep.factsRead;
    let woke = true;
    if (Number.isFinite(remaining)) {
      const summary = ep.paused() ? `Paused (${state.status})` : why;
      woke = await condition(changed, Math.max(remaining, 1), { summary });
    } else await condition(changed);
    snap = await refresh(ep);
    if (!woke && !ep.paused() && Date.now() >= at) return snap;
  }
}
