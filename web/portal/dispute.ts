import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordPortalAction } from '../../db/portal-events.js';
import { escapeHtml } from '../pages.js';
import { openPortal, portalPage, type Portal, type PortalDeps } from './context.js';
import { errorSummary, radioGroup, textArea, type FieldError } from './forms.js';
import { DISPUTE_REASONS, texts } from './i18n.js';

const NOTE_MAX = 2000;
const disputeForm = z.object({
  reason: z.enum(DISPUTE_REASONS).optional(),
  note: z.string().max(NOTE_MAX).optional(),
});

/** Dispute: a reason from the list and free text; pauses all outreach, a person reviews it. */
export function disputeRoutes(app: FastifyInstance, deps: PortalDeps): void {
  const formPage = (portal: Portal, values: z.infer<typeof disputeForm> = {}, errors: FieldError[] = []) => {
    const { t } = portal;
    const error = (field: string) => errors.find((e) => e.field === field)?.message;
    return portalPage(
      portal,
      deps.creditor,
      t.disputeTitle,
      `<h1>${escapeHtml(t.disputeTitle)}</h1>${errorSummary(t.errorsTitle, errors)}<p>${escapeHtml(t.disputeIntro)}</p>${portal.form(
        '/dispute',
        `${radioGroup({
          name: 'reason',
          legend: t.disputeReason,
          choices: DISPUTE_REASONS.map((r) => ({ value: r, label: t.disputeReasons[r] })),
          checked: values.reason,
          error: error('reason'),
        })}${textArea({ name: 'note', label: t.disputeNote, hint: t.disputeNoteHint, value: values.note, maxLength: NOTE_MAX, error: error('note') })}<button type="submit">${escapeHtml(t.disputeSubmit)}</button>`,
      )}`,
      { path: '/dispute' },
    );
  };

  app.get('/p/:token/dispute', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    return reply.send(formPage(portal));
  });

  app.post('/p/:token/dispute', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    const { t } = portal;
    const parsed = disputeForm.safeParse(request.body);
    const values = parsed.success ? parsed.data : {};
    const note = values.note?.trim() || undefined;
    const errors: FieldError[] = [];
    if (!values.reason) errors.push({ field: 'reason', message: t.disputeNeedsReason });
    if (values.reason === 'other' && !note) errors.push({ field: 'note', message: t.disputeNeedsNote });
    if (!parsed.success || !values.reason || errors.length)
      return reply.status(422).send(formPage(portal, values, errors));
    // The case reads the reason in English. The debtor's own words stay out of the workflow history
    // (they may name people or addresses): they go to the case timeline in the database.
    const reason = texts.en.disputeReasons[values.reason];
    await deps.cases.openDispute(portal.debtorId, { reason, source: 'portal' });
    await recordPortalAction(deps.db, {
      debtorId: portal.debtorId,
      type: 'dispute',
      summary: `The debtor disputed the claim on the portal: ${reason}`,
      data: { reason: values.reason, withNote: note !== undefined },
      timelineData: { note },
    });
    return reply.send(
      portalPage(
        portal,
        deps.creditor,
        t.disputeDone,
        `<h1>${escapeHtml(t.disputeDone)}</h1><p class="notice" role="status">${escapeHtml(t.disputeDoneText)}</p>`,
        { path: '/dispute' },
      ),
    );
  });
}
