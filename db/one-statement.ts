import type { Expression } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database } from './database.js';

type RowOf<Q> = Q extends Expression<infer O> ? O : never;
type Rows<Q extends Record<string, Expression<object>>> = { [K in keyof Q]: RowOf<Q[K]>[] };
/** Per query, its timestamp columns: JSON carries them as text. */
type DateColumns<Q extends Record<string, Expression<object>>> = {
  [K in keyof Q]?: readonly (keyof RowOf<Q[K]> & string)[];
};

/**
 * Several selects read in one statement, each as a JSON array: the embedded PGlite costs ~0.8 ms
 * per statement however small, PostgreSQL a round trip, while the rows a debtor's facts need are a
 * handful. JSON carries timestamps as ISO text: the columns named in `dates` are turned back into
 * `Date`s (as the driver would); numbers, dates (YYYY-MM-DD) and jsonb come back as the driver's.
 */
export async function selectInOneStatement<Q extends Record<string, Expression<object>>>(
  db: Database,
  queries: Q,
  dates: DateColumns<Q>,
): Promise<Rows<Q>> {
  const row = (await db
    .selectNoFrom(Object.entries(queries).map(([name, query]) => jsonArrayFrom(query).as(name)))
    .executeTakeFirstOrThrow()) as Record<string, Record<string, unknown>[]>;
  for (const [name, columns] of Object.entries(dates) as [string, readonly string[]][]) {
    for (const found of row[name] ?? [])
      for (const column of columns) {
        const value = found[column];
        if (typeof value === 'string') found[column] = new Date(value);
      }
  }
  return row as Rows<Q>;
}
