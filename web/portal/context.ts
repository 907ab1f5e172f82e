import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Policies } from '../../activities/index.js';
import { isRevoked, type LinkSigner } from '../../channels/links.js';
import type { CaseClient } from '../../client/cases.js';
import { findCase } from '../../db/cases.js';
import type { Database } from '../../db/database.js';
import { loadDebtorFacts, type DebtorFacts } from '../../db/facts.js';
import type { ClaimBreakdown } from '../../domain/claim/index.js';
import type { CaseRow } from '../../db/schema.js';
import type { PaymentProvider } from '../../payments/provider.js';
import { escapeHtml, page } from '../pages.js';
import { formats, type Formats } from './format.js';
import { hidden } from './forms.js';
import { texts, type Lang, type Texts } from './i18n.js';

export interface PortalDeps {
  db: Database;
  cases: CaseClient;
  links: LinkSigner;
  policies: Policies;
  creditor: { name: string; email: string; phone: string };
  /** Base of absolute links (Stripe's return URLs). */
  publicUrl: string;
  /** The ways to pay that are configured, in the order the page offers them. */
  payments: PaymentProvider[];
  rateLimitPerMinute: number;
}

export interface Portal {
  token: string;
  debtorId: string;
  lang: Lang;
  t: Texts;
  f: Formats;
  facts: DebtorFacts;
  /** Principal, interest, fees and payments (domain/claim/); undefined without a claim to compute. */
  claim: ClaimBreakdown | undefined;
  caseRow: CaseRow;
  currency: string;
  timeZone: string;
  /** `/p/<token><path>?lang=…`: every link inside the portal keeps the language. */
  href(path?: string, params?: Record<string, string>): string;
  /** A POST form with its CSRF token and the language. */
  form(path: string, inner: string, options?: { id?: string }): string;
}

export const tokenParams = z.object({ token: z.string().min(10).max(600) });
const langQuery = z.object({ lang: z.enum(['de', 'en']).optional() });

/** The language asked for (query or form), else the debtor's. */
export function requestedLang(request: FastifyRequest): Lang | undefined {
  const fromQuery = langQuery.safeParse(request.query);
  const fromBody = langQuery.safeParse(request.body ?? {});
  return (fromQuery.success && fromQuery.data.lang) || (fromBody.success && fromBody.data.lang) || undefined;
}

/**
 * Opens the debtor's portal for a request: a valid, unexpired, unrevoked portal token of a case
 * with something open. Otherwise answers with the friendly page itself (404 for any bad token,
 * so nobody learns whether a debtor exists; 410 "nothing to pay" for a closed case) and returns
 * undefined.
 */
export async function openPortal(
  deps: PortalDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { allowClosed?: boolean } = {},
): Promise<Portal | undefined> {
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
  const parsed = tokenParams.safeParse(request.params);
  const now = new Date();
  const check = parsed.success ? deps.links.verify(parsed.data.token, 'portal', now) : undefined;
  const asked = requestedLang(request);
  if (!parsed.success || !check?.ok) {
    await reply.status(404).send(messagePage(asked ?? 'de', 'invalidTitle', 'invalid', deps.creditor));
    return undefined;
  }
  const { debtorId } = check.claims;
  const facts = await loadDebtorFacts(deps.db, debtorId, now, deps.policies.creditor);
  const lang = asked ?? facts.locale;
  const caseRow = await findCase(deps.db, debtorId);
  const revoked = isRevoked(check.claims, caseRow);
  const nothingOpen = facts.openAmount <= 0 || !facts.currency;
  if (!caseRow || ((revoked || nothingOpen) && !options.allowClosed)) {
    await reply.status(410).send(messagePage(lang, 'closedTitle', 'closed', deps.creditor));
    return undefined;
  }
  const token = parsed.data.token;
  const t = texts[lang];
  const currency = facts.currency ?? caseRow.currency ?? 'EUR';
  const timeZone = facts.timezone;
  const href = (path = '', params: Record<string, string> = {}) =>
    `/p/${encodeURIComponent(token)}${path}?${new URLSearchParams({ lang, ...params }).toString()}`;
  return {
    token,
    debtorId,
    lang,
    t,
    f: formats(lang, currency, timeZone),
    facts,
    claim: facts.claim,
    caseRow,
    currency,
    timeZone,
    href,
    form: (path, inner, formOptions = {}) =>
      `<form method="post" action="${escapeHtml(`/p/${encodeURIComponent(token)}${path}`)}"${formOptions.id ? ` id="${formOptions.id}"` : ''}>${hidden('_csrf', deps.links.formToken(token, new Date()))}${hidden('lang', lang)}${inner}</form>`,
  };
}

/** A portal page: the creditor, a language switch, the content, a way back and how to reach us. */
export function portalPage(
  portal: Portal,
  creditor: PortalDeps['creditor'],
  title: string,
  body: string,
  options: { back?: boolean; path?: string } = {},
): string {
  const { t, lang } = portal;
  const other: Lang = lang === 'de' ? 'en' : 'de';
  const switchHref = `/p/${encodeURIComponent(portal.token)}${options.path ?? ''}?lang=${other}`;
  const header = `<header><p class="creditor">${escapeHtml(t.from(creditor.name))}</p><a class="lang" href="${escapeHtml(switchHref)}" lang="${other}" hreflang="${other}">${escapeHtml(t.switchTo)}</a></header>`;
  const back =
    options.back === false ? '' : `<p><a href="${escapeHtml(portal.href())}">← ${escapeHtml(t.back)}</a></p>`;
  return page(lang, title, `${header}${body}${back}${contactFooter(t, creditor)}`);
}

export function contactFooter(t: Texts, creditor: PortalDeps['creditor']): string {
  return `<footer><p>${escapeHtml(t.contactUs)} <a href="mailto:${escapeHtml(creditor.email)}">${escapeHtml(creditor.email)}</a> · <a href="tel:${escapeHtml(creditor.phone.replace(/\s/g, ''))}">${escapeHtml(creditor.phone)}</a></p></footer>`;
}

type MessageKey =
  | 'invalidTitle'
  | 'invalid'
  | 'closedTitle'
  | 'closed'
  | 'tooManyTitle'
  | 'tooMany'
  | 'errorTitle'
  | 'error'
  | 'staleTitle'
  | 'stale';

/** A page with a heading and one sentence, for invalid links, closed cases and errors. */
export function messagePage(
  lang: Lang,
  title: MessageKey,
  text: MessageKey,
  creditor: PortalDeps['creditor'],
  extra = '',
): string {
  const t = texts[lang];
  return page(
    lang,
    t[title],
    `<header><p class="creditor">${escapeHtml(t.from(creditor.name))}</p></header><h1>${escapeHtml(t[title])}</h1><p>${escapeHtml(t[text])}</p>${extra}${contactFooter(t, creditor)}`,
  );
}
