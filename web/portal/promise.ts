import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { addDays, toLocal } from '../../domain/contact-policy/index.js';
import { recordPortalAction } from '../../db/portal-events.js';
import { escapeHtml } from '../pages.js';
import { openPortal, portalPage, type Portal, type PortalDeps } from './context.js';
import { dateField, errorSummary } from './forms.js';

/** The workflow's limit for promises (workflows/episode/commitments.ts). */
const MAX_PROMISE_DAYS = 30;
const promiseForm = z.object({ date: z.iso.date() });

/** Promise to pay by a date: pauses outreach until then (the case's promiseToPay update). */
export function promiseRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const range = (portal: Portal) => {
    const today = toLocal(Date.now(), portal.timeZone).date;
    return { today, last: addDays(today, MAX_PROMISE_DAYS) };
  };
  const formPage = (portal: Portal, value?: string, error?: string) => {
    const { t, f } = portal;
    const { today, last } = range(portal);
    return portalPage(
      portal,
      deps.creditor,
      t.promiseTitle,
      `<h1>${escapeHtml(t.promiseTitle)}</h1>${error ? errorSummary(t.errorsTitle, [{ field: 'date', message: error }]) : ''}<p>${escapeHtml(t.promiseIntro(f.day(last)))}</p>${portal.form(
        '/promise',
        `${dateField({ name: 'date', label: t.promiseDate, min: today, max: last, value: value ?? addDays(today, 7), error })}<button type="submit">${escapeHtml(t.promiseSubmit)}</button>`,
      )}`,
      { path: '/promise' },
    );
  };

  app.get('/p/:token/promise', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    return reply.send(formPage(portal));
  });

  app.post('/p/:token/promise', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    const { t, f } = portal;
    const { today, last } = range(portal);
    const parsed = promiseForm.safeParse(request.body);
    const date = parsed.success ? parsed.data.date : undefined;
    if (!date || date < today || date > last)
      return reply.status(422).send(formPage(portal, date, t.promiseInvalid(f.day(last))));
    try {
      await deps.cases.promiseToPay(portal.debtorId, { date, source: 'portal' });
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      return reply.status(422).send(formPage(portal, date, t.promiseRefused));
    }
    await recordPortalAction(deps.db, {
      debtorId: portal.debtorId,
      type: 'promise',
      summary: `The debtor promised on the portal to pay by ${date}`,
      data: { date, amount: portal.facts.openAmount },
    });
    return reply.send(
      portalPage(
        portal,
        deps.creditor,
        t.promiseDone,
        `<h1>${escapeHtml(t.promiseDone)}</h1><p class="notice" role="status">${escapeHtml(t.promiseDoneText(f.day(date)))}</p>`,
        { path: '/promise' },
      ),
    );
  });
}
