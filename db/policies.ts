import { sql } from 'kysely';
import { audit, type Actor } from './audit.js';
import type { Database } from './database.js';
import type { FieldChange as PolicyChange } from '../domain/policy-changes.js';

/** The newest published policy version number, 0 when only the policy file is in force. */
export async function latestPolicyVersion(db: Database): Promise<number> {
  const row = await db
    .selectFrom('policy_versions')
    .select((eb) => eb.fn.max('version').as('version'))
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}

export function findPolicyVersion(db: Database, version: number) {
  return db.selectFrom('policy_versions').selectAll().where('version', '=', version).executeTakeFirst();
}

export function listPolicyVersions(db: Database, limit = 50) {
  return db
    .selectFrom('policy_versions')
    .select(['version', 'created_by', 'created_at', 'changes', 'reason'])
    .orderBy('version', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Stores the next version; concurrent publishes are serialised (an advisory lock), so versions
 * never collide and each one's `changes` are against the version before it.
 */
export async function insertPolicyVersion(
  db: Database,
  /** Runs inside the transaction: read through `trx` only (PGlite has one connection). */
  make: (
    previous: number,
    trx: Database,
  ) => Promise<{ document: unknown; changes: PolicyChange[]; by: string; reason: string }>,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('policy_versions'))`.execute(trx);
    const previous = await latestPolicyVersion(trx);
    const next = await make(previous, trx);
    await trx
      .insertInto('policy_versions')
      .values({
        version: previous + 1,
        document: JSON.stringify(next.document),
        created_by: next.by,
        changes: JSON.stringify(next.changes),
        reason: next.reason,
      })
      .execute();
    await trx.deleteFrom('policy_drafts').execute();
    return previous + 1;
  });
}

const DRAFT_ID = 'draft';

export function findPolicyDraft(db: Database) {
  return db.selectFrom('policy_drafts').selectAll().where('id', '=', DRAFT_ID).executeTakeFirst();
}

/** Stores the one draft and, in the same transaction, its audit entry `policy.draft-saved`. */
export async function savePolicyDraft(
  db: Database,
  draft: { document: unknown; basedOn: number; actor: Actor; changed: string[] },
): Promise<void> {
  const row = {
    document: JSON.stringify(draft.document),
    based_on: draft.basedOn,
    updated_by: draft.actor.label,
    updated_at: new Date(),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('policy_drafts')
      .values({ id: DRAFT_ID, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
    await audit(trx, {
      actor: draft.actor.audit,
      action: 'policy.draft-saved',
      detail: { basedOn: draft.basedOn, by: draft.actor.label, changed: draft.changed },
    });
  });
}

/** Open cases with what the preview needs: segment, status, amount, the next step, promises broken. */
export function openCasesForPreview(db: Database) {
  return db
    .selectFrom('cases as c')
    .select([
      'c.debtor_id',
      'c.segment',
      'c.status',
      'c.open_amount',
      'c.currency',
      'c.current_step',
      'c.next_step_at',
      (eb) =>
        eb
          .selectFrom('case_events as e')
          .select((e) => e.fn.countAll<string>().as('n'))
          .whereRef('e.debtor_id', '=', 'c.debtor_id')
          .where('e.type', '=', 'promise-broken')
          .whereRef('e.at', '>=', 'c.opened_at')
          .as('broken_promises'),
    ])
    .where('c.closed_at', 'is', null)
    .orderBy('c.debtor_id')
    .execute();
}
