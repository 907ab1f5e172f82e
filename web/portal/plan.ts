import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { planRejectionOf } from '../../client/cases.js';
import { addDays, toLocal } from '../../domain/contact-policy/index.js';
import {
  checkProposal,
  maxMonthlyInstalments,
  monthlySchedule,
  type Instalment,
  type PlanPolicy,
  type PlanRejection,
  type PlanView,
} from '../../domain/payment-plan.js';
import { recordPortalAction } from '../../db/portal-events.js';
import { escapeHtml } from '../pages.js';
import { openPortal, portalPage, type Portal, type PortalDeps } from './context.js';
import { dateField, errorSummary, hidden, selectField } from './forms.js';
import { rejectionText } from './i18n.js';
import { liveState } from './overview.js';

const planForm = z.object({
  count: z.coerce.number().int().min(2).max(36),
  first: z.iso.date(),
  action: z.enum(['preview', 'confirm']),
});

function scheduleTable(
  portal: Portal,
  instalments: (Instalment & { status?: PlanView['instalments'][number]['status'] })[],
) {
  const { t, f } = portal;
  const withStatus = instalments.some((i) => i.status);
  const rows = instalments
    .map(
      (i, n) =>
        `<tr><th scope="row">${n + 1}</th><td>${escapeHtml(f.day(i.dueDate))}</td><td class="num">${escapeHtml(f.money(i.amount))}</td>${withStatus ? `<td>${escapeHtml(i.status === 'paid' ? t.planPaid : t.planOpen)}</td>` : ''}</tr>`,
    )
    .join('');
  return `<table><caption>${escapeHtml(t.planScheduleCaption)}</caption><thead><tr><th scope="col">${escapeHtml(t.planInstalment)}</th><th scope="col">${escapeHtml(t.due)}</th><th scope="col" class="num">${escapeHtml(t.amount)}</th>${withStatus ? `<th scope="col">${escapeHtml(t.planStatus)}</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Payment plan: choose the number of monthly instalments and the first date, preview, agree. */
export function planRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const policyOf = (portal: Portal): PlanPolicy | null =>
    deps.policies.strategies[portal.caseRow.segment as keyof PortalDeps['policies']['strategies']]
      ?.paymentPlan ?? null;
  const today = (portal: Portal) => toLocal(Date.now(), portal.timeZone).date;

  function formPage(
    portal: Portal,
    policy: PlanPolicy,
    values: { count?: number; first?: string },
    rejection?: PlanRejection,
  ): string {
    const { t, f } = portal;
    const max = maxMonthlyInstalments(policy, portal.facts.openAmount);
    const lastFirst = addDays(today(portal), policy.maxFirstDueDays);
    const counts = Array.from({ length: max - 1 }, (_, n) => n + 2).map((n) => ({
      value: String(n),
      label: t.planCountOption(n, f.money(Math.ceil(portal.facts.openAmount / n))),
    }));
    const problem = rejection && rejectionText(t, rejection, f.money);
    const field =
      rejection?.code === 'too-many-instalments' || rejection?.code === 'instalment-too-small'
        ? 'count'
        : 'first';
    return portalPage(
      portal,
      deps.creditor,
      t.planTitle,
      `<h1>${escapeHtml(t.planTitle)}</h1>${problem ? errorSummary(t.planRejected, [{ field, message: problem }]) : ''}<p>${escapeHtml(t.planIntro(max, f.money(policy.minInstalment)))}</p>${portal.form(
        '/plan',
        `${selectField({ name: 'count', label: t.planCount, choices: counts, selected: String(values.count ?? 3) })}${dateField({ name: 'first', label: t.planFirst, min: today(portal), max: lastFirst, value: values.first ?? addDays(today(portal), 7), hint: t.planFirstHint(f.day(lastFirst)) })}${hidden('action', 'preview')}<button type="submit">${escapeHtml(t.planPreview)}</button>`,
      )}`,
      { path: '/plan' },
    );
  }

  app.get('/p/:token/plan', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    const { t } = portal;
    const state = await liveState(deps.cases, portal.debtorId);
    if (state?.plan) {
      return reply.send(
        portalPage(
          portal,
          deps.creditor,
          t.planRunning,
          `<h1>${escapeHtml(t.planRunning)}</h1>${scheduleTable(portal, state.plan.instalments)}<p>${escapeHtml(t.planAcceptedText)}</p>`,
          { path: '/plan' },
        ),
      );
    }
    const policy = policyOf(portal);
    const possible = policy && maxMonthlyInstalments(policy, portal.facts.openAmount) >= 2;
    if (!policy || !possible) {
      const text = policy ? t.planTooSmall : t.planPersonal;
      return reply.send(
        portalPage(
          portal,
          deps.creditor,
          t.planTitle,
          `<h1>${escapeHtml(t.planTitle)}</h1><p>${escapeHtml(text)}</p>`,
          {
            path: '/plan',
          },
        ),
      );
    }
    return reply.send(formPage(portal, policy, {}));
  });

  app.post('/p/:token/plan', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    const policy = policyOf(portal);
    const parsed = planForm.safeParse(request.body);
    if (!policy || !parsed.success) return reply.redirect(portal.href('/plan'), 303);
    const { t } = portal;
    const { count, first, action } = parsed.data;
    const instalments = monthlySchedule(portal.facts.openAmount, count, first);
    const proposal = { instalments, source: 'portal' as const };
    // The same rules the case applies, checked here first so the debtor gets the reason at once.
    const local = checkProposal(proposal, policy, {
      openAmount: portal.facts.openAmount,
      today: today(portal),
    });
    if (local) return reply.status(422).send(formPage(portal, policy, { count, first }, local));
    if (action === 'preview') {
      return reply.send(
        portalPage(
          portal,
          deps.creditor,
          t.planTitle,
          `<h1>${escapeHtml(t.planTitle)}</h1>${scheduleTable(portal, instalments)}${portal.form(
            '/plan',
            `${hidden('count', String(count))}${hidden('first', first)}${hidden('action', 'confirm')}<button type="submit">${escapeHtml(t.planConfirm)}</button>`,
          )}<p><a href="${escapeHtml(portal.href('/plan'))}">${escapeHtml(t.planChange)}</a></p>`,
          { path: '/plan' },
        ),
      );
    }
    try {
      await deps.cases.proposePaymentPlan(portal.debtorId, proposal);
    } catch (error) {
      const rejection = planRejectionOf(error);
      if (!rejection) throw error;
      await recordPortalAction(deps.db, {
        debtorId: portal.debtorId,
        type: 'plan',
        summary: `Payment plan proposed on the portal and rejected: ${rejection.message}`,
        data: { outcome: 'rejected', code: rejection.code, count },
      });
      return reply.status(422).send(formPage(portal, policy, { count, first }, rejection));
    }
    await recordPortalAction(deps.db, {
      debtorId: portal.debtorId,
      type: 'plan',
      summary: `Payment plan agreed on the portal: ${count} monthly instalments from ${first}`,
      data: { outcome: 'accepted', count, first, amount: portal.facts.openAmount },
    });
    return reply.send(
      portalPage(
        portal,
        deps.creditor,
        t.planAccepted,
        `<h1>${escapeHtml(t.planAccepted)}</h1><p class="notice" role="status">${escapeHtml(t.planAcceptedText)}</p>${scheduleTable(portal, instalments)}`,
        { path: '/plan' },
      ),
    );
  });
}
