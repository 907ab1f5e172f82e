import { dueThrough, nextPlanEvent, shouldRemind } from '../../domain/payment-plan.js';
import { notify } from './notify.js';
import type { Episode } from './state.js';

/**
 * The plan follower: sends the reminders and checks the instalments whose moment has come; a missed
 * one breaks the plan (a broken promise) and the case is re-assessed.
 */
export async function followPlan(ep: Episode): Promise<void> {
  for (;;) {
    const plan = ep.carried.plan;
    const event = plan && nextPlanEvent(plan, ep.debtorZone);
    if (!plan || !event || event.at > Date.now()) return;
    const count = plan.instalments.length;
    const due = plan.instalments[event.index]!;
    if (event.kind === 'remind') {
      if (shouldRemind(plan, event, Date.now(), ep.debtorZone)) {
        notify(
          ep,
          'plan-reminder',
          `${ep.caseKey}/plan-${plan.acceptedAt}/reminder-${event.index}`,
          `Instalment reminder ${event.index + 1}/${count}`,
          due,
        );
      }
      plan.reminded = event.index + 1;
      continue;
    }
    if (ep.paidTotal - plan.paidBaseline >= dueThrough(plan, event.index + 1)) {
      plan.settled = event.index + 1;
      ep.pending.push({
        type: 'instalment-paid',
        summary: `Instalment ${event.index + 1} of ${count} paid (due ${due.dueDate})`,
      });
      if (plan.settled === count) {
        ep.pending.push({ type: 'plan-completed', summary: 'Payment plan completed' });
        ep.carried.plan = undefined;
      }
      continue;
    }
    ep.carried.brokenPromises++;
    ep.pending.push({
      type: 'plan-broken',
      summary: `Instalment ${event.index + 1} of ${count} (${due.amount}, due ${due.dueDate}) missed: payment plan broken (${ep.carried.brokenPromises} in this case); re-assessing`,
    });
    ep.carried.plan = undefined;
  }
}
