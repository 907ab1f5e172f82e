import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from './database.js';
import type { AuditLogTable } from './schema.js';

/** What the audit log records; entries carry ids, routes and sources, never contact data. */
export const AUDIT_ACTIONS = [
  /** An API call that changes data (any method but GET), with its status code. */
  'api.change',
  'staff.login',
  'staff.login-failed',
  /** An agent opened a case file that shows the debtor's addresses and numbers. */
  'contact.viewed',
  /** Consent, opt-out or validity of a contact point; `detail.source` says who. */
  'contact.changed',
  'flags.changed',
  'preferences.changed',
  'debtor.exported',
  /** A supervisor downloaded a hand-over package (it holds the debtor's contact data). */
  'handoff.downloaded',
  'debtor.erased',
  'retention.purged',
  /** Steering: `detail` says what changed (paths, version, reason); the actor is the key or the staff user. */
  'policy.draft-saved',
  'policy.published',
  'experiment.created',
  'experiment.stopped',
  'experiment.promoted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted: `api-key:<id>`, `agent:<id>`, `login:<e-mail tried>`, or a source (`debtor`, `provider`, `system`). */
export const auditActor = {
  apiKey: (id: string) => `api-key:${id}`,
  agent: (id: string) => `agent:${id}`,
  login: (email: string) => `login:${email}`,
} as const;

/**
 * Who changes policies and experiments: `audit` is the audit log's actor (`api-key:<id>`,
 * `agent:<id>`), `label` what version and experiment lists show as their author.
 */
export interface Actor {
  audit: string;
  label: string;
}

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  debtorId?: string | undefined;
  route?: string | undefined;
  detail?: Record<string, unknown>;
}

/** Appends one entry; call it inside the transaction of the change it records, where there is one. */
export async function audit(db: Database, entry: AuditEntry): Promise<void> {
  await auditAll(db, [entry]);
}

/** Appends entries in one statement (a bulk import's rows). */
export async function auditAll(db: Database, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      entries.map((entry) => ({
        actor: entry.actor,
        action: entry.action,
        debtor_id: entry.debtorId ?? null,
        route: entry.route ?? null,
        detail: JSON.stringify(entry.detail ?? {}),
      })),
    )
    .execute();
}

export const auditQuerySchema = z.object({
  actor: z.string().min(1).max(200).optional().describe('e.g. api-key:<id>, agent:<id>, debtor'),
  action: z.enum(AUDIT_ACTIONS).optional(),
  debtorId: z.string().min(1).max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('entries at or after this instant'),
  to: z.iso.datetime({ offset: true }).optional().describe('entries before this instant'),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor is the nextCursor of the previous page')
    .optional()
    .describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;
export type AuditRow = Selectable<AuditLogTable>;

/** Newest first; `nextCursor` continues with older entries, null on the last page. */
export async function listAudit(
  db: Database,
  query: AuditQuery,
): Promise<{ entries: AuditRow[]; nextCursor: string | null }> {
  let select = db.selectFrom('audit_log').selectAll();
  if (query.actor) select = select.where('actor', '=', query.actor);
  if (query.action) select = select.where('action', '=', query.action);
  if (query.debtorId) select = select.where('debtor_id', '=', query.debtorId);
  if (query.from) select = select.where('at', '>=', new Date(query.from));
  if (query.to) select = select.where('at', '<', new Date(query.to));
  if (query.cursor) select = select.where('id', '<', Number(query.cursor));
  const rows = await select
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const entries = rows.slice(0, query.limit);
  return {
    entries,
    nextCursor: rows.length > query.limit ? String(entries[entries.length - 1]!.id) : null,
  };
}
