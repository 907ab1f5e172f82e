import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Policies } from '../../activities/index.js';
import { caseCurrencies } from '../../db/cases.js';
import type { Database } from '../../db/database.js';
import { mayUseCockpit } from '../../domain/agents.js';
import { staffPage, notice } from '../inbox/layout.js';
import type { AgentSession } from '../inbox/session.js';
import { kpiQuerySchema, kpiReport } from '../kpis/report.js';
import { cockpitText } from './i18n.js';
import { cockpitPage } from './views.js';
import { managePages } from './manage-routes.js';
import type { PolicyVersions } from '../../config/policy-versions.js';

export interface CockpitDeps {
  db: Database;
  policies: Policies;
  policyVersions: PolicyVersions;
}

const cockpitQuery = z.object({ lang: z.enum(['de', 'en']).catch('en') });

export const html = (reply: FastifyReply, status: number, body: string) =>
  reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

/**
 * The strategy cockpit under /cockpit, inside the staff session scope of the inbox: managers,
 * supervisors and admins.
 */
export async function cockpitPages(
  app: FastifyInstance,
  {
    db,
    policies,
    policyVersions,
    sessionOf,
  }: CockpitDeps & { sessionOf: (request: FastifyRequest) => AgentSession },
): Promise<void> {
  await app.register(async (cockpit) => {
    cockpit.addHook('preHandler', async (request, reply) => {
      const session = sessionOf(request);
      if (!mayUseCockpit(session.agent.role)) {
        return html(
          reply,
          403,
          staffPage(
            'Cockpit',
            session,
            notice({ kind: 'error', text: 'Only managers, supervisors and admins see the cockpit.' }),
          ),
        );
      }
    });

    await managePages(cockpit, { db, policyVersions, sessionOf });

    cockpit.get('/cockpit', { schema: { hide: true } }, async (request, reply) => {
      const session = sessionOf(request);
      const { lang } = cockpitQuery.parse(request.query);
      const currencies = await caseCurrencies(db);
      const raw = request.query as Record<string, string | undefined>;
      const parsed = kpiQuerySchema.safeParse({
        from: raw.from || undefined,
        to: raw.to || undefined,
        currency: raw.currency || currencies[0] || 'EUR',
      });
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        const t = cockpitText[lang];
        return html(
          reply,
          400,
          staffPage(t.title, session, notice({ kind: 'error', text: `${t.badFilter}: ${issues}` }), { lang }),
        );
      }
      const filter = parsed.data;
      const report = (groupBy: 'segment' | 'variant' | 'channel') =>
        kpiReport(db, policies.costs, { ...filter, groupBy });
      const [bySegment, byVariant, byChannel] = await Promise.all([
        report('segment'),
        report('variant'),
        report('channel'),
      ]);
      const currency = filter.currency ?? 'EUR';
      return html(
        reply,
        200,
        cockpitPage(session, {
          lang,
          filter: { from: filter.from, to: filter.to, currency },
          currencies: currencies.includes(currency) ? currencies : [currency, ...currencies],
          bySegment,
          byVariant,
          byChannel,
        }),
      );
    });
  });
}
