import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { isRevoked, type LinkSigner } from '../../channels/links.js';
import { recordCaseEvent } from '../../db/case-events.js';
import type { Database } from '../../db/database.js';
import { loadDebtorFacts } from '../../db/facts.js';
import type { CaseClient } from '../../client/cases.js';
import { formatDueDate } from '../../domain/dates.js';
import { formatMoney } from '../../domain/money.js';
import { acceptForms } from '../forms.js';
import { escapeHtml, page } from '../pages.js';

export interface LinkRoutesOptions {
  db: Database;
  cases: CaseClient;
  links: LinkSigner;
  creditor: { name: string; email: string; phone: string };
}

const tokenParams = z.object({ token: z.string().min(10).max(600) });

const texts = {
  de: {
    invalidTitle: 'Dieser Link ist nicht mehr gültig',
    invalid:
      'Der Link ist abgelaufen oder wurde geändert. Einen neuen Link erhalten Sie mit unserer nächsten Nachricht.',
    closedTitle: 'Nichts zu zahlen',
    closed: 'Für diesen Vorgang ist nichts mehr offen. Vielen Dank!',
    openTitle: 'Ihre offenen Rechnungen',
    open: 'Offen insgesamt',
    invoice: 'Rechnung',
    due: 'Fällig am',
    amount: 'Betrag',
    next: 'Wenn Sie nichts unternehmen, erinnern wir Sie noch einmal. Fragen? Wir helfen gern:',
    unsubTitle: 'Keine E-Mails mehr zu dieser Forderung?',
    unsubButton: 'E-Mails abbestellen',
    unsubDone: 'Sie erhalten zu dieser Forderung keine E-Mails mehr.',
  },
  en: {
    invalidTitle: 'This link is no longer valid',
    invalid: 'The link has expired or was changed. Our next message will bring you a new one.',
    closedTitle: 'Nothing to pay',
    closed: 'Nothing is open for this matter any more. Thank you!',
    openTitle: 'Your open invoices',
    open: 'Total open',
    invoice: 'Invoice',
    due: 'Due on',
    amount: 'Amount',
    next: 'If nothing happens, we will remind you again. Questions? We are happy to help:',
    unsubTitle: 'No more e-mails about this claim?',
    unsubButton: 'Unsubscribe from e-mails',
    unsubDone: 'You will receive no more e-mails about this claim.',
  },
} as const;

/**
 * /p/<token>: what the debtor owes (the full portal comes with the portal issue).
 * /u/<token>: one-click e-mail opt-out (RFC 8058: POST from the mail client, or the page's button).
 * Bad tokens get a friendly page, never a stack trace, and say nothing about whether a debtor exists.
 */
export const linkRoutes: FastifyPluginAsync<LinkRoutesOptions> = async (
  app,
  { db, cases, links, creditor },
) => {
  app.get('/p/:token', { schema: { hide: true } }, async (request, reply) => {
    const parsed = tokenParams.safeParse(request.params);
    const check = parsed.success ? links.verify(parsed.data.token, 'portal', new Date()) : undefined;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!check?.ok) return reply.status(404).send(invalidPage('de'));
    const facts = await loadDebtorFacts(db, check.claims.debtorId, new Date());
    const lang = facts.locale;
    const t = texts[lang];
    const caseRow = await db
      .selectFrom('cases')
      .select(['opened_at', 'closed_at'])
      .where('debtor_id', '=', check.claims.debtorId)
      .executeTakeFirst();
    if (isRevoked(check.claims, caseRow) || facts.openAmount <= 0) {
      return reply.status(410).send(page(lang, t.closedTitle, `<h1>${t.closedTitle}</h1><p>${t.closed}</p>`));
    }
    await recordCaseEvent(db, {
      debtorId: check.claims.debtorId,
      source: 'portal',
      type: 'portal-opened',
      summary: 'Portal link opened',
    });
    const rows = facts.openInvoices
      .map(
        (i) =>
          `<tr><td>${escapeHtml(i.id)}</td><td>${escapeHtml(formatDueDate(i.dueDate, lang))}</td><td>${escapeHtml(formatMoney({ amount: i.open, currency: i.currency }, lang))}</td></tr>`,
      )
      .join('');
    const total = formatMoney({ amount: facts.openAmount, currency: facts.currency ?? 'EUR' }, lang);
    return reply.send(
      page(
        lang,
        t.openTitle,
        `<p>${escapeHtml(creditor.name)}</p><h1>${t.openTitle}</h1>
<p>${t.open}</p><p class="amount">${escapeHtml(total)}</p>
<table><thead><tr><th scope="col">${t.invoice}</th><th scope="col">${t.due}</th><th scope="col">${t.amount}</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">${t.next} <a href="mailto:${escapeHtml(creditor.email)}">${escapeHtml(creditor.email)}</a> · <a href="tel:${escapeHtml(creditor.phone.replace(/\s/g, ''))}">${escapeHtml(creditor.phone)}</a></p>`,
      ),
    );
  });

  app.get('/u/:token', { schema: { hide: true } }, async (request, reply) => {
    const parsed = tokenParams.safeParse(request.params);
    const check = parsed.success
      ? links.verify(parsed.data.token, 'unsubscribe-email', new Date())
      : undefined;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!check?.ok || !parsed.success) return reply.status(404).send(invalidPage('de'));
    const { locale } = await loadDebtorFacts(db, check.claims.debtorId, new Date());
    const t = texts[locale];
    return reply.send(
      page(
        locale,
        t.unsubTitle,
        `<h1>${t.unsubTitle}</h1><form method="post" action="/u/${escapeHtml(parsed.data.token)}"><button type="submit">${t.unsubButton}</button></form>`,
      ),
    );
  });

  acceptForms(app);
  app.post('/u/:token', { schema: { hide: true } }, async (request, reply) => {
    const parsed = tokenParams.safeParse(request.params);
    const check = parsed.success
      ? links.verify(parsed.data.token, 'unsubscribe-email', new Date())
      : undefined;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!check?.ok) return reply.status(404).send(invalidPage('de'));
    const { debtorId } = check.claims;
    const changed = await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('contact_points')
        .set({ opted_out_at: new Date(), updated_at: new Date() })
        .where('debtor_id', '=', debtorId)
        .where('channel', '=', 'email')
        .where('opted_out_at', 'is', null)
        .returning('debtor_id')
        .executeTakeFirst();
      if (updated) {
        await recordCaseEvent(trx, {
          debtorId,
          source: 'portal',
          type: 'opted-out',
          summary: 'The debtor unsubscribed from e-mail (one-click link)',
          data: { channel: 'email' },
        });
      }
      return updated !== undefined;
    });
    if (changed) await cases.contactDataChanged(debtorId);
    const { locale } = await loadDebtorFacts(db, debtorId, new Date());
    return reply.send(page(locale, texts[locale].unsubTitle, `<h1>${texts[locale].unsubDone}</h1>`));
  });
};

function invalidPage(lang: 'de' | 'en'): string {
  // Unknown debtor and bad token look the same: a link never tells whether someone owes money.
  const t = texts[lang];
  const other = texts[lang === 'de' ? 'en' : 'de'];
  return page(
    lang,
    t.invalidTitle,
    `<h1>${t.invalidTitle}</h1><p>${t.invalid}</p><p lang="${lang === 'de' ? 'en' : 'de'}">${other.invalid}</p>`,
  );
}
