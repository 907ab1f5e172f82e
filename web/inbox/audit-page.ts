import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AUDIT_ACTIONS,
  auditQuerySchema,
  listAudit,
  type AuditQuery,
  type AuditRow,
} from '../../db/audit.js';
import type { Database } from '../../db/database.js';
import { formatInstant, h, notice, staffPage } from './layout.js';
import type { AgentSession } from './session.js';

/** The filters as a query string, for the "older entries" link. */
function queryString(query: AuditQuery, cursor: string): string {
  const params = new URLSearchParams();
  for (const key of ['actor', 'action', 'debtorId', 'from', 'to'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  params.set('cursor', cursor);
  return params.toString();
}

function auditPage(
  session: AgentSession,
  query: Partial<AuditQuery>,
  entries: AuditRow[],
  nextCursor: string | null,
  error?: string,
): string {
  const field = (name: 'actor' | 'debtorId' | 'from' | 'to', label: string, placeholder = '') =>
    `<label>${label} <input name="${name}" value="${h(query[name] ?? '')}" placeholder="${h(placeholder)}"></label>`;
  const actions = ['', ...AUDIT_ACTIONS]
    .map(
      (a) =>
        `<option value="${h(a)}"${a === (query.action ?? '') ? ' selected' : ''}>${h(a || 'any')}</option>`,
    )
    .join('');
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${h(formatInstant(e.at))}</td><td>${h(e.actor)}</td><td>${h(e.action)}</td><td>${h(e.debtor_id ?? '—')}</td><td>${h(e.route ?? '—')}</td><td><code>${h(JSON.stringify(e.detail))}</code></td></tr>`,
    )
    .join('');
  const more =
    nextCursor && query.limit !== undefined
      ? `<p><a href="/inbox/audit?${h(queryString(query as AuditQuery, nextCursor))}">Older entries</a></p>`
      : '';
  return staffPage(
    'Audit log',
    session,
    `<h1>Audit log</h1>${notice(error ? { kind: 'error', text: error } : undefined)}
<form method="get" action="/inbox/audit" class="grid">${field('actor', 'Actor', 'agent:<id>, api-key:<id>, debtor')}
<label>Action <select name="action">${actions}</select></label>${field('debtorId', 'Debtor id')}
${field('from', 'From (ISO instant)', '2026-12-01T00:00:00Z')}${field('to', 'To (ISO instant)')}<button type="submit">Filter</button></form>
${entries.length ? `<table><thead><tr><th>When</th><th>Actor</th><th>Action</th><th>Debtor</th><th>Route</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No entries.</p>'}${more}`,
  );
}

/** GET /inbox/audit for admins: the audit log with the filters of GET /v1/audit. */
export function auditPageRoute(
  app: FastifyInstance,
  db: Database,
  sessionOf: (request: FastifyRequest) => AgentSession,
): void {
  app.get('/inbox/audit', { schema: { hide: true } }, async (request, reply) => {
    const session = sessionOf(request);
    const html = (status: number, body: string) =>
      reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
    if (session.agent.role !== 'admin')
      return html(
        403,
        staffPage('Audit log', session, notice({ kind: 'error', text: 'Only admins read the audit log.' })),
      );
    // Empty fields of the form mean "no filter".
    const raw = Object.fromEntries(
      Object.entries(request.query as Record<string, string>).filter(([, value]) => value !== ''),
    );
    const query = auditQuerySchema.safeParse(raw);
    if (!query.success) {
      const issue = query.error.issues[0];
      return html(400, auditPage(session, raw, [], null, `${issue?.path.join('.')}: ${issue?.message}`));
    }
    const { entries, nextCursor } = await listAudit(db, query.data);
    return html(200, auditPage(session, query.data, entries, nextCursor));
  });
}
