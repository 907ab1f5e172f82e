import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createAgentTask } from '../../db/agent-tasks.js';
import { listContactPoints, storeDebtorPreferences } from '../../db/contact-points.js';
import { recordPortalAction } from '../../db/portal-events.js';
import type { ContactChannel } from '../../db/schema.js';
import { addDays, toLocal, zonedTimeToEpoch } from '../../domain/contact-policy/index.js';
import { escapeHtml } from '../pages.js';
import { openPortal, portalPage, type Portal, type PortalDeps } from './context.js';
import { checkboxGroup, dateField, errorSummary, radioGroup, selectField } from './forms.js';
import { maskEmail, maskPhone } from './format.js';
import { CALL_WINDOWS } from './i18n.js';

const CALL_BACK_DAYS = 14;
const PREFERRED = ['email', 'sms', 'call', 'portal'] as const;
const preferencesForm = z.object({
  preferred: z.enum(PREFERRED).optional(),
  allowEmail: z.literal('yes').optional(),
  allowSms: z.literal('yes').optional(),
});
const callBackForm = z.object({ date: z.iso.date(), window: z.enum(CALL_WINDOWS) });

async function contactPoints(deps: PortalDeps, debtorId: string) {
  const rows = await listContactPoints(deps.db, debtorId);
  const find = (channel: ContactChannel) => rows.find((r) => r.channel === channel);
  const allowed = (channel: ContactChannel) => {
    const row = find(channel);
    return Boolean(row && row.consent && !row.opted_out_at);
  };
  return { email: find('email')?.address, phone: find('sms')?.address ?? find('call')?.address, allowed };
}

/** How the debtor wants to be reached: preferred channel, opting in or out, a call back in a window. */
export function contactRoutes(app: FastifyInstance, deps: PortalDeps): void {
  async function contactPage(portal: Portal, notice?: string, callBackError?: string): Promise<string> {
    const { t } = portal;
    const points = await contactPoints(deps, portal.debtorId);
    const preferred = portal.facts.debtor?.preferred_channel ?? undefined;
    const choices = [
      ...(points.email ? [{ value: 'email', label: t.preferredEmail }] : []),
      ...(points.phone
        ? [
            { value: 'sms', label: t.preferredSms },
            { value: 'call', label: t.preferredCall },
          ]
        : []),
      { value: 'portal', label: t.preferredPortal },
    ];
    const boxes = [
      ...(points.email
        ? [{ name: 'allowEmail', label: t.allowEmail, checked: points.allowed('email') }]
        : []),
      ...(points.phone ? [{ name: 'allowSms', label: t.allowSms, checked: points.allowed('sms') }] : []),
    ];
    const onFile = `<dl class="details"><dt>${escapeHtml(t.email)}</dt><dd>${escapeHtml(points.email ? maskEmail(points.email) : t.none)}</dd><dt>${escapeHtml(t.phone)}</dt><dd>${escapeHtml(points.phone ? maskPhone(points.phone) : t.none)}</dd></dl>`;
    const today = toLocal(Date.now(), portal.timeZone).date;
    const callBack = points.phone
      ? portal.form(
          '/call-back',
          `${dateField({ name: 'date', label: t.callBackDate, min: today, max: addDays(today, CALL_BACK_DAYS), value: addDays(today, 1), error: callBackError })}${selectField({ name: 'window', label: t.callBackWindow, choices: CALL_WINDOWS.map((w) => ({ value: w, label: windowLabel(w) })) })}<button type="submit">${escapeHtml(t.callBackSubmit)}</button>`,
        )
      : `<p>${escapeHtml(t.callBackNoPhone(deps.creditor.phone))}</p>`;
    return portalPage(
      portal,
      deps.creditor,
      t.contactTitle,
      `<h1>${escapeHtml(t.contactTitle)}</h1>${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}${callBackError ? errorSummary(t.errorsTitle, [{ field: 'date', message: callBackError }]) : ''}<h2>${escapeHtml(t.contactOnFile)}</h2>${onFile}${portal.form(
        '/contact',
        `${radioGroup({ name: 'preferred', legend: t.preferred, choices, checked: preferred })}${boxes.length ? checkboxGroup({ legend: t.allow, boxes }) : ''}<button type="submit">${escapeHtml(t.save)}</button>`,
      )}<h2>${escapeHtml(t.callBackTitle)}</h2><p>${escapeHtml(t.callBackIntro)}</p>${callBack}`,
      { path: '/contact' },
    );
  }

  app.get('/p/:token/contact', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    return reply.send(await contactPage(portal));
  });

  app.post('/p/:token/contact', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    const parsed = preferencesForm.safeParse(request.body);
    if (!parsed.success) return reply.redirect(portal.href('/contact'), 303);
    const { debtorId } = portal;
    const points = await contactPoints(deps, debtorId);
    const wanted = parsed.data;
    const preferred =
      wanted.preferred &&
      (wanted.preferred === 'portal' || (wanted.preferred === 'email' ? points.email : points.phone))
        ? wanted.preferred
        : undefined;
    await storeDebtorPreferences(deps.db, debtorId, {
      preferred,
      allowEmail: wanted.allowEmail === 'yes',
      allowSms: wanted.allowSms === 'yes',
    });
    const allowed = [
      wanted.allowEmail && points.email && 'e-mail',
      wanted.allowSms && points.phone && 'SMS',
    ].filter(Boolean);
    await recordPortalAction(deps.db, {
      debtorId,
      type: 'preferences',
      summary: `Contact preferences set on the portal: preferred ${preferred ?? 'unchanged'}; allowed: ${allowed.join(', ') || 'none'}`,
      data: {
        preferred: preferred ?? null,
        email: wanted.allowEmail === 'yes',
        sms: wanted.allowSms === 'yes',
      },
    });
    await deps.cases.contactDataChanged(debtorId);
    // Read again: the page shows what is stored now.
    const fresh = await openPortal(deps, request, reply);
    if (!fresh) return reply;
    return reply.send(await contactPage(fresh, fresh.t.saved));
  });

  app.post('/p/:token/call-back', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    const { t, f, debtorId, timeZone } = portal;
    const today = toLocal(Date.now(), timeZone).date;
    const parsed = callBackForm.safeParse(request.body);
    const points = await contactPoints(deps, debtorId);
    if (
      !parsed.success ||
      parsed.data.date < today ||
      parsed.data.date > addDays(today, CALL_BACK_DAYS) ||
      !points.phone
    ) {
      return reply.status(422).send(await contactPage(portal, undefined, t.callBackInvalid));
    }
    const { date, window } = parsed.data;
    const [from] = window.split('-') as [string, string];
    await createAgentTask(deps.db, {
      debtorId,
      taskKey: `portal/${debtorId}/call-back/${date}/${window}`,
      kind: 'call-back',
      label: `Call back requested on the portal: ${date}, ${windowLabel(window)} (${timeZone})`,
      dueAt: zonedTimeToEpoch(date, `${from}:00`, timeZone),
      source: 'portal',
    });
    await recordPortalAction(deps.db, {
      debtorId,
      type: 'call-back',
      summary: `Call back requested on the portal for ${date}, ${windowLabel(window)} (${timeZone})`,
      data: { date, window },
    });
    await deps.cases.contactDataChanged(debtorId);
    return reply.send(await contactPage(portal, t.callBackDone(f.day(date), windowLabel(window))));
  });
}

/** "10-12" → "10:00–12:00". */
const windowLabel = (window: string) => window.replace(/(\d+)-(\d+)/, '$1:00–$2:00');
