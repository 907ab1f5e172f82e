import { claimRows, waiverNote } from '../../channels/messages/claim-rows.js';
import type { CaseState } from '../../domain/case.js';
import type { Strategy } from '../../domain/strategies/types.js';
import { escapeHtml } from '../pages.js';
import type { Portal } from './context.js';

/** The case as the workflow sees it right now (plan, promise); undefined when it cannot be asked. */
export async function liveState(
  cases: { state(debtorId: string): Promise<CaseState> },
  debtorId: string,
): Promise<CaseState | undefined> {
  try {
    return await cases.state(debtorId);
  } catch {
    return undefined;
  }
}

/** What happens if the debtor does nothing, said plainly: the next step of the case and its date. */
export function whatHappensNext(
  portal: Portal,
  state: CaseState | undefined,
  strategy: Strategy | undefined,
): string {
  const { t, f, caseRow } = portal;
  const status = state?.status ?? caseRow.status;
  const nextInstalment = state?.plan?.instalments.find((i) => i.status === 'open');
  if (status === 'disputed') return t.nextDisputed;
  if (status === 'payment-plan' && nextInstalment)
    return t.nextPlan(f.money(nextInstalment.amount), f.day(nextInstalment.dueDate));
  if (status === 'promised' && state?.promisedUntil) {
    // promisedUntil is the end of the promised day plus a day of grace for booking.
    return t.nextPromised(f.dateOf(new Date(Date.parse(state.promisedUntil) - 1.5 * 86_400_000)));
  }
  if (status === 'paused') return t.nextPaused;
  if (status === 'escalated') return t.nextHandedOver;
  const steps = strategy?.steps ?? [];
  const currentStep = state?.currentStep ?? caseRow.current_step;
  const current = steps.findIndex((s) => s.id === currentStep);
  const atIso = state?.nextStepAt ?? caseRow.next_step_at?.toISOString();
  const at = atIso ? f.dateOf(new Date(atIso)) : undefined;
  // After the last step the strategy's next stage decides: only a hand-over stage is announced.
  if (currentStep === 'next-stage' || (current >= 0 && current === steps.length - 1)) {
    return at && strategy?.nextStage?.kind === 'hand-over' ? t.nextAgencyReview(at) : t.nextNothing;
  }
  const next = steps[current + 1];
  if (!next || !at) return t.nextNothing;
  const action = next.action;
  switch (action.kind) {
    case 'message': {
      // The step's first channel this debtor can be reached on says how the reminder comes.
      const { facts } = portal;
      const reachable = { email: facts.email, sms: facts.sms, letter: facts.postalAddress, call: undefined };
      const first = action.channels.find((c) => reachable[c] !== undefined);
      const channel =
        first === 'letter'
          ? t.channelLetter
          : first === 'sms'
            ? t.channelSms
            : first === 'email'
              ? t.channelEmail
              : t.channelAny;
      return t.nextReminder(at, channel);
    }
    case 'agent-task':
      return action.task === 'call' ? t.nextCall(at) : t.nextPerson;
    case 'escalate':
      return t.nextAgency(at);
    case 'recommend-write-off':
      return t.nextNothing;
  }
}

/** The claim line by line (principal per invoice, interest, fees, payments), the open total last. */
function claimTable(portal: Portal): string {
  const { claim, lang, t } = portal;
  if (!claim) return '';
  const rows = claimRows(claim, lang)
    .map(
      ([label, amount]) =>
        `<tr><th scope="row">${escapeHtml(label)}</th><td class="num">${escapeHtml(amount)}</td></tr>`,
    )
    .join('');
  const waiver = claim.waiver ? `<p>${escapeHtml(waiverNote(claim.waiver.reason, lang))}</p>` : '';
  return `<table class="claim"><caption>${escapeHtml(t.claimCaption)}</caption><tbody>${rows}</tbody></table>${waiver}`;
}

export function overviewBody(portal: Portal, next: string): string {
  const { t, f, facts, claim } = portal;
  const rows = facts.openInvoices
    .map(
      (i) =>
        `<tr><th scope="row">${escapeHtml(i.id)}</th><td>${escapeHtml(f.day(i.dueDate))}</td><td class="num">${escapeHtml(f.money(i.open))}</td></tr>`,
    )
    .join('');
  const action = (path: string, label: string, primary = false) =>
    `<li><a class="${primary ? 'button' : 'action'}" href="${escapeHtml(portal.href(path))}">${escapeHtml(label)}</a></li>`;
  return `<h1>${escapeHtml(t.overviewTitle)}</h1>
<p>${escapeHtml(t.totalOpen)}</p><p class="amount">${escapeHtml(f.money(claim?.open ?? facts.openAmount))}</p>
<table><caption>${escapeHtml(t.invoicesCaption)}</caption><thead><tr><th scope="col">${escapeHtml(t.invoice)}</th><th scope="col">${escapeHtml(t.due)}</th><th scope="col" class="num">${escapeHtml(t.amount)}</th></tr></thead><tbody>${rows}</tbody></table>
${claimTable(portal)}
<h2>${escapeHtml(t.whatNext)}</h2><p>${escapeHtml(next)}</p><p>${escapeHtml(t.anytime)}</p>
<h2>${escapeHtml(t.actions)}</h2>
<ul class="actions">${action('/pay', t.actionPay, true)}${action('/plan', t.actionPlan)}${action('/promise', t.actionPromise)}${action('/dispute', t.actionDispute)}${action('/contact', t.actionContact)}</ul>`;
}
