import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import {
  isAssigning,
  type Experiment,
  type ExperimentInput,
  type ExperimentStatus,
} from '../domain/experiments/experiment.js';
import { ConflictError } from './billing.js';
import type { Database } from './database.js';
import type { ExperimentsTable } from './schema.js';
import type { Selectable } from 'kysely';

const toExperiment = (row: Selectable<ExperimentsTable>): Experiment => ({
  id: row.id,
  segment: row.segment as Experiment['segment'],
  variants: row.variants,
  ...(row.starts_at ? { startsAt: row.starts_at.toISOString() } : {}),
  ...(row.ends_at ? { endsAt: row.ends_at.toISOString() } : {}),
  status: row.status,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  stoppedAt: row.stopped_at?.toISOString() ?? null,
  promotedVariant: row.promoted_variant,
});

/** A new running experiment; refused while another one assigns the segment's new cases. */
export async function createExperiment(
  db: Database,
  input: ExperimentInput,
  by: string,
): Promise<Experiment> {
  return db.transaction().execute(async (trx) => {
    // One experiment per segment at a time, or a case could fall into two.
    await sql`select pg_advisory_xact_lock(hashtext(${`experiment:${input.segment}`}))`.execute(trx);
    const running = await trx
      .selectFrom('experiments')
      .select('id')
      .where('segment', '=', input.segment)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (running) {
      throw new ConflictError(
        `experiment ${running.id} already runs on segment ${input.segment}: stop or promote it first`,
        'segment',
      );
    }
    const row = await trx
      .insertInto('experiments')
      .values({
        id: `exp-${randomUUID()}`,
        segment: input.segment,
        variants: JSON.stringify(input.variants),
        starts_at: input.startsAt ? new Date(input.startsAt) : null,
        ends_at: input.endsAt ? new Date(input.endsAt) : null,
        created_by: by,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExperiment(row);
  });
}

export async function listExperiments(db: Database): Promise<Experiment[]> {
  const rows = await db.selectFrom('experiments').selectAll().orderBy('created_at', 'desc').execute();
  return rows.map(toExperiment);
}

export async function findExperiment(db: Database, id: string): Promise<Experiment | undefined> {
  const row = await db.selectFrom('experiments').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toExperiment(row);
}

/** Ends a running experiment (stopped, or promoted with its winner); undefined if it was not running. */
export async function endExperiment(
  db: Database,
  id: string,
  status: Exclude<ExperimentStatus, 'running'>,
  promotedVariant: string | null = null,
): Promise<Experiment | undefined> {
  const row = await db
    .updateTable('experiments')
    .set({ status, stopped_at: new Date(), promoted_variant: promotedVariant })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .returningAll()
    .executeTakeFirst();
  return row && toExperiment(row);
}

/** The experiment that assigns the segment's cases opened at `at`, if any. */
export async function assigningExperiment(
  db: Database,
  segment: string,
  at: Date,
): Promise<Experiment | undefined> {
  const row = await db
    .selectFrom('experiments')
    .selectAll()
    .where('segment', '=', segment)
    .where('status', '=', 'running')
    .executeTakeFirst();
  const experiment = row && toExperiment(row);
  return experiment && isAssigning(experiment, at) ? experiment : undefined;
}

/** Per variant of the experiment: cases, and cases paid in full (the verdict's yes/no outcome). */
export async function variantOutcomes(
  db: Database,
  experimentId: string,
): Promise<{ name: string; n: number; successes: number }[]> {
  const rows = await db
    .selectFrom('cases')
    .select([
      'strategy_variant',
      (eb) => eb.fn.countAll<string>().as('n'),
      sql<string>`count(*) filter (where status = 'paid')`.as('paid'),
    ])
    .where('experiment_id', '=', experimentId)
    .groupBy('strategy_variant')
    .execute();
  return rows.map((r) => ({ name: r.strategy_variant ?? 'none', n: Number(r.n), successes: Number(r.paid) }));
}
