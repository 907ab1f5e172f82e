import type { Policies } from '../../activities/index.js';
import type { Database } from '../../db/database.js';
import { openCasesForPreview } from '../../db/policies.js';
import { loadCaseSnapshot } from '../../db/snapshot.js';
import { assess } from '../../domain/segmentation/assess.js';
import type { Channel, DebtorSnapshot, SegmentId } from '../../domain/segmentation/types.js';
import type { Strategy } from '../../domain/strategies/types.js';
import {
  decideContact,
  type ContactPolicyConfig,
  type ContactRecord,
} from '../../domain/contact-policy/index.js';

const DAY_MS = 86_400_000;
export const FORECAST_DAYS = 14;

/** Statuses in which a case sends nothing (it waits for a person, a date or a plan). */
const QUIET = new Set(['promised', 'disputed', 'payment-plan', 'paused']);

export interface PolicyPreview {
  /** Open cases re-assessed. */
  cases: number;
  /** Segment today (assessed with the policies in force) → with the draft: cases and open amount per currency. */
  migrations: {
    from: SegmentId;
    to: SegmentId;
    cases: number;
    amounts: { currency: string; amount: number }[];
  }[];
  /**
   * Contacts the open cases' strategies would make per day (UTC) and channel in the next 14 days,
   * within the draft's contact windows and caps.
   */
  forecast: { day: string; channel: Channel; contacts: number }[];
  /** Per case, for checking: the segment each one moves to. */
  moves: { debtorId: string; from: SegmentId; to: SegmentId }[];
}

/**
 * When a strategy's steps from `fromStep` on would contact the debtor, and on which channel: each
 * step `afterDays` after the one before; a message goes on its first channel, a call task is a call.
 * The draft's contact policy decides each contact as the workflow would (`decideContact`): inside
 * the contact window, within the caps counting the debtor's recent contacts and the ones forecast
 * before it. A contact that must wait moves the steps after it; one that may never happen is left out.
 */
function stepContacts(
  strategy: Strategy,
  start: number,
  fromStep: number,
  debtor: { snapshot: DebtorSnapshot; history: ContactRecord[] },
  contactPolicy: ContactPolicyConfig,
): { at: number; channel: Channel }[] {
  const { snapshot } = debtor;
  if (!snapshot.timezone) return [];
  const history = [...debtor.history];
  const contacts: { at: number; channel: Channel }[] = [];
  let at = start;
  for (const step of strategy.steps.slice(fromStep)) {
    at += step.afterDays * DAY_MS;
    const { action } = step;
    const channel: Channel | undefined =
      action.kind === 'message'
        ? action.channels[0]
        : action.kind === 'agent-task' && action.task === 'call'
          ? 'call'
          : undefined;
    if (!channel) continue;
    const decision = decideContact(
      channel,
      at,
      {
        timezone: snapshot.timezone,
        country: snapshot.country,
        channel: snapshot.contactPoints.find((p) => p.channel === channel),
        paid: false,
        disputed: false,
        pausedUntil: null,
        operatorPaused: false,
        history,
      },
      contactPolicy,
    );
    if (decision.verdict === 'never') continue;
    if (decision.verdict === 'wait') at = decision.until;
    contacts.push({ at, channel });
    history.push({ channel, at, outcome: 'attempt' });
  }
  return contacts;
}

/**
 * Re-assesses every open case with the draft's thresholds and compares with the policies in force
 * (both by `assess`, on the same facts, so only the draft's change shows). The forecast: a case that
 * stays runs its strategy on from its next step; a case that moves starts the draft's strategy of
 * its new segment today (what continue-as-new does at its next re-assessment).
 */
export async function previewPolicies(
  db: Database,
  inForce: Policies,
  draft: Policies,
  now = new Date(),
): Promise<PolicyPreview> {
  const rows = await openCasesForPreview(db);
  const matrix = new Map<
    string,
    { from: SegmentId; to: SegmentId; cases: number; amounts: Map<string, number> }
  >();
  const perDay = new Map<string, number>();
  const horizon = now.getTime() + FORECAST_DAYS * DAY_MS;
  const moves: PolicyPreview['moves'] = [];
  for (const row of rows) {
    const { snapshot, history } = await loadCaseSnapshot(db, row.debtor_id, now);
    const facts = { ...snapshot, brokenPromisesInCase: Number(row.broken_promises ?? 0) };
    const from = assess(facts, inForce.segmentation).segment;
    const to = assess(facts, draft.segmentation).segment;
    moves.push({ debtorId: row.debtor_id, from, to });
    const cell = matrix.get(`${from}>${to}`) ?? { from, to, cases: 0, amounts: new Map() };
    cell.cases++;
    const currency = snapshot.currency ?? row.currency ?? 'EUR';
    cell.amounts.set(currency, (cell.amounts.get(currency) ?? 0) + snapshot.openAmount);
    matrix.set(`${from}>${to}`, cell);
    if (QUIET.has(row.status)) continue;
    const strategy = draft.strategies[to];
    const stepIndex = strategy.steps.findIndex(
      (s) => s.label === row.current_step || s.id === row.current_step,
    );
    const debtor = { snapshot, history };
    const contacts =
      from === to && row.segment === to && row.next_step_at
        ? stepContacts(
            strategy,
            row.next_step_at.getTime() - (strategy.steps[stepIndex + 1]?.afterDays ?? 0) * DAY_MS,
            stepIndex + 1,
            debtor,
            draft.contactPolicy,
          )
        : stepContacts(strategy, now.getTime(), 0, debtor, draft.contactPolicy);
    for (const c of contacts) {
      if (c.at < now.getTime() || c.at >= horizon) continue;
      const key = `${new Date(c.at).toISOString().slice(0, 10)}|${c.channel}`;
      perDay.set(key, (perDay.get(key) ?? 0) + 1);
    }
  }
  return {
    cases: rows.length,
    migrations: [...matrix.values()].map((m) => ({
      from: m.from,
      to: m.to,
      cases: m.cases,
      amounts: [...m.amounts].map(([currency, amount]) => ({ currency, amount })),
    })),
    forecast: [...perDay]
      .map(([key, contacts]) => {
        const [day, channel] = key.split('|') as [string, Channel];
        return { day, channel, contacts };
      })
      .sort((a, b) => a.day.localeCompare(b.day) || a.channel.localeCompare(b.channel)),
    moves,
  };
}
