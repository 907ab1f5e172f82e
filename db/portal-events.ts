import { recordCaseEvent } from './case-events.js';
import type { Database } from './database.js';
import type { PortalEventType } from './schema.js';

export interface PortalAction {
  debtorId: string;
  type: PortalEventType;
  /** The line in the case timeline (source `portal`); never contact data. */
  summary: string;
  /** The channel whose message carried the link; by default the one the debtor last came from. */
  channel?: string | undefined;
  data?: Record<string, unknown>;
  /** Only for the case timeline, never for analytics: e.g. the debtor's own words in a dispute. */
  timelineData?: Record<string, unknown>;
}

/**
 * Records what a debtor did on the portal twice, in one transaction: in the case timeline (source
 * `portal`) and as a portal event with the case's segment and the channel, for the funnel.
 */
export async function recordPortalAction(db: Database, action: PortalAction): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const caseRow = await trx
      .selectFrom('cases')
      .select(['segment', 'opened_at'])
      .where('debtor_id', '=', action.debtorId)
      .executeTakeFirst();
    const channel =
      action.channel ??
      (
        await trx
          .selectFrom('portal_events')
          .select('channel')
          .where('debtor_id', '=', action.debtorId)
          .where('type', '=', 'opened')
          .where('channel', 'is not', null)
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst()
      )?.channel;
    await trx
      .insertInto('portal_events')
      .values({
        debtor_id: action.debtorId,
        case_opened_at: caseRow?.opened_at ?? null,
        segment: caseRow?.segment ?? null,
        channel: channel ?? null,
        type: action.type,
        data: JSON.stringify(action.data ?? {}),
      })
      .execute();
    await recordCaseEvent(trx, {
      debtorId: action.debtorId,
      source: 'portal',
      type: `portal-${action.type}`,
      summary: action.summary,
      data: { ...action.data, ...action.timelineData },
    });
  });
}

/** The funnel: how many cases reached each portal event, per segment and channel. */
export async function portalFunnel(db: Database) {
  return db
    .selectFrom('portal_events')
    .select(['segment', 'channel', 'type'])
    .select((eb) => eb.fn.count<string>('debtor_id').distinct().as('debtors'))
    .groupBy(['segment', 'channel', 'type'])
    .orderBy('segment')
    .orderBy('channel')
    .orderBy('type')
    .execute();
}
