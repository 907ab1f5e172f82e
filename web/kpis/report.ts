import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { agentKpis, kpiAggregates, KPI_GROUPS } from '../../db/kpis.js';
import { kpiRow, type AgentKpiRow, type KpiRow } from '../../domain/kpis/figures.js';
import type { UnitCosts } from '../../domain/kpis/unit-costs.js';
import { calendarDateSchema, currencySchema } from '../schemas.js';

const DAY_MS = 86_400_000;

/** `from` and `to` are calendar days (UTC), both included; they filter on the day a case opened. */
const periodFields = {
  from: calendarDateSchema.optional(),
  to: calendarDateSchema.optional(),
  currency: currencySchema.optional(),
};
const orderedPeriod = (q: { from?: string | undefined; to?: string | undefined }) =>
  !q.from || !q.to || q.from <= q.to;
const orderedPeriodIssue = { message: 'must not be after `to`', path: ['from'] };

/**
 * The API's queries: a period whose `from` is after its `to` holds no day and reports nothing (a
 * schema cannot say "after", so the API does not refuse it); the cockpit's form says so instead.
 */
export const agentQuerySchema = z.object(periodFields);
export const kpiApiQuerySchema = z.object({
  groupBy: z.enum(KPI_GROUPS).default('segment'),
  ...periodFields,
});
export const kpiQuerySchema = kpiApiQuerySchema.refine(orderedPeriod, orderedPeriodIssue);
export type KpiQuery = z.infer<typeof kpiQuerySchema>;

const period = (q: Pick<KpiQuery, 'from' | 'to'>) => ({
  from: q.from ? new Date(`${q.from}T00:00:00Z`) : undefined,
  to: q.to ? new Date(new Date(`${q.to}T00:00:00Z`).getTime() + DAY_MS) : undefined,
});

export async function kpiReport(
  db: Database,
  costs: UnitCosts,
  query: KpiQuery & { experimentId?: string },
  asOf = new Date(),
): Promise<KpiRow[]> {
  const rows = await kpiAggregates(db, {
    groupBy: query.groupBy,
    currency: query.currency,
    experimentId: query.experimentId,
    asOf,
    ...period(query),
  });
  return rows.map((row) => kpiRow(row, costs));
}

export async function agentReport(
  db: Database,
  query: z.infer<typeof agentQuerySchema>,
): Promise<AgentKpiRow[]> {
  return agentKpis(db, { currency: query.currency, ...period(query) });
}

/** RFC 4180: a header of the schema's field names, one line per row; empty for a missing figure. */
export function toCsv<T extends object>(rows: readonly T[], schema: z.ZodObject): string {
  const columns = Object.keys(schema.shape) as (keyof T & string)[];
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))]
    .map((line) => `${line}\r\n`)
    .join('');
}
