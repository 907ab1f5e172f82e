import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { LinkSigner } from '../../channels/links.js';
import { unsubscribeFromEmail } from '../../db/contact-points.js';
import type { Database } from '../../db/database.js';
import { loadDebtorFacts } from '../../db/facts.js';
import type { CaseClient } from '../../client/cases.js';
import { acceptForms } from '../forms.js';
import { escapeHtml, page } from '../pages.js';

export interface LinkRoutesOptions {
  db: Database;
  cases: CaseClient;
  links: LinkSigner;
}

const tokenParams = z.object({ token: z.string().min(10).max(600) });

const texts = {
  de: {
    invalidTitle: 'Dieser Link ist nicht mehr gültig',
    invalid:
      'Der Link ist abgelaufen oder wurde geändert. Einen neuen Link erhalten Sie mit unserer nächsten Nachricht.',
    unsubTitle: 'Keine E-Mails mehr zu dieser Forderung?',
    unsubButton: 'E-Mails abbestellen',
    unsubDone: 'Sie erhalten zu dieser Forderung keine E-Mails mehr.',
  },
  en: {
    invalidTitle: 'This link is no longer valid',
    invalid: 'The link has expired or was changed. Our next message will bring you a new one.',
    unsubTitle: 'No more e-mails about this claim?',
    unsubButton: 'Unsubscribe from e-mails',
    unsubDone: 'You will receive no more e-mails about this claim.',
  },
} as const;

/**
 * /u/<token>: one-click e-mail opt-out (RFC 8058: POST from the mail client, or the page's button).
 * The portal itself (/p/<token>) lives in web/portal/. Bad tokens get a friendly page, never a
 * stack trace, and say nothing about whether a debtor exists.
 */
export const linkRoutes: FastifyPluginAsync<LinkRoutesOptions> = async (app, { db, cases, links }) => {
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
    const changed = await unsubscribeFromEmail(db, debtorId, 'POST /u/:token');
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
