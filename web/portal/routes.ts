import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { recordPortalAction } from '../../db/portal-events.js';
import { acceptForms } from '../forms.js';
import { escapeHtml } from '../pages.js';
import { contactRoutes } from './contact.js';
import {
  messagePage,
  openPortal,
  portalPage,
  requestedLang,
  tokenParams,
  type PortalDeps,
} from './context.js';
import { disputeRoutes } from './dispute.js';
import { texts } from './i18n.js';
import { liveState, overviewBody, whatHappensNext } from './overview.js';
import { payRoutes } from './pay.js';
import { planRoutes } from './plan.js';
import { promiseRoutes } from './promise.js';

/** `c` on the message link: which channel brought the debtor here (for the funnel). */
const CHANNEL_CODES: Record<string, string> = { e: 'email', s: 'sms', l: 'letter' };

const linkToken = (request: FastifyRequest): string => {
  const parsed = tokenParams.safeParse(request.params);
  return parsed.success ? parsed.data.token : '';
};

/**
 * The debtor self-service portal under /p/<token>: overview, pay, plan, promise, dispute, contact.
 * Limits requests per link and per address, checks a CSRF token bound to the link on every form,
 * and answers every problem with a friendly page that never tells whether a debtor exists.
 */
export const portalRoutes: FastifyPluginAsync<PortalDeps> = async (app, deps) => {
  acceptForms(app);
  await app.register(rateLimit, { global: false });
  // Two budgets: per link, and per address (wider: many debtors can share one mobile carrier's).
  const budgets = [
    app.createRateLimit({
      max: deps.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (r) => `link:${linkToken(r)}`,
    }),
    app.createRateLimit({
      max: deps.rateLimitPerMinute * 5,
      timeWindow: 60_000,
      keyGenerator: (r) => `ip:${r.ip}`,
    }),
  ];
  app.addHook('onRequest', async (request, reply) => {
    for (const budget of budgets) {
      const result = await budget(request);
      // `isAllowed` only means "on the allow list"; the count is in `isExceeded`.
      if (result.isAllowed || !result.isExceeded) continue;
      return reply
        .status(429)
        .header('retry-after', String(result.ttlInSeconds))
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(messagePage(requestedLang(request) ?? 'de', 'tooManyTitle', 'tooMany', deps.creditor));
    }
  });

  app.setErrorHandler(async (error, request, reply) => {
    const lang = requestedLang(request) ?? 'de';
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    request.log.error({ err: error }, 'portal request failed');
    return reply.status(503).send(messagePage(lang, 'errorTitle', 'error', deps.creditor));
  });

  // CSRF: every form carries a token bound to this link; a cross-site POST is refused outright.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST') return;
    const token = linkToken(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const csrf = typeof body._csrf === 'string' ? body._csrf : '';
    // Pages send no referrer, so browsers post with `Origin: null`; Sec-Fetch-Site still tells.
    const origin = request.headers.origin;
    const sameOrigin =
      !origin || origin === 'null' || origin === deps.publicUrl || safeHost(origin) === request.headers.host;
    const site = request.headers['sec-fetch-site'];
    const crossSite = site === 'cross-site' || site === 'same-site';
    if (!crossSite && sameOrigin && deps.links.verifyFormToken(token, csrf, new Date())) return;
    const lang = requestedLang(request) ?? 'de';
    const again = `<p><a href="${escapeHtml(request.url)}?lang=${lang}">${escapeHtml(texts[lang].back)}</a></p>`;
    return reply
      .status(403)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(messagePage(lang, 'staleTitle', 'stale', deps.creditor, again));
  });

  app.get('/p/:token', async (request, reply) => {
    const portal = await openPortal(deps, request, reply);
    if (!portal) return reply;
    const code = (request.query as { c?: unknown }).c;
    await recordPortalAction(deps.db, {
      debtorId: portal.debtorId,
      type: 'opened',
      summary: 'Portal link opened',
      channel: typeof code === 'string' ? CHANNEL_CODES[code] : undefined,
    });
    const state = await liveState(deps.cases, portal.debtorId);
    const strategy =
      deps.policies.strategies[portal.caseRow.segment as keyof PortalDeps['policies']['strategies']];
    const next = whatHappensNext(portal, state, strategy);
    return reply.send(
      portalPage(portal, deps.creditor, portal.t.overviewTitle, overviewBody(portal, next), { back: false }),
    );
  });

  payRoutes(app, deps);
  planRoutes(app, deps);
  promiseRoutes(app, deps);
  disputeRoutes(app, deps);
  contactRoutes(app, deps);
};

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
