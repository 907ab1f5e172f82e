import type { KpiSeed, SeedCase } from '../db/demo-history.js';
import { DemoLoadError, normalizeBaseUrl } from './load.js';

/**
 * Past cases as plain facts: 40 cases opened every three days over the four months before `asOf`,
 * with payments, promises, plans, disputes, opt-outs, messages, calls and portal visits. The KPI tests
 * compute their expected figures from it, and `npm run demo` loads it so every cockpit chart shows
 * something. Every edge the KPI definitions name is in it (payments before the opening and surplus
 * credits, unsent outbox rows, events of an earlier case, cases that have not matured, unknown days
 * past due at opening, cases in a second currency).
 *
 * Marked as demo history where it is stored: debtor ids start with the prefix, debtors carry the
 * attribute `demoHistory: true`, case rows the run id `demo-history`, events the source `system`
 * and the summary "demo history: …". No workflow runs for these cases.
 */

const DAY = 86_400_000;
/** The seed spans 120 days before asOf: cases open from day 0 to day 117. */
const SPAN_DAYS = 120;

const at = (base: Date, days: number, hours = 0) => new Date(base.getTime() + days * DAY + hours * 3_600_000);
const dateOnly = (d: Date) => d.toISOString().slice(0, 10);

export interface HistoryOptions {
  asOf: Date;
  /** Debtor ids are `<prefix><n>`. */
  prefix: string;
}

export function historySeed({ asOf, prefix }: HistoryOptions): KpiSeed {
  const seed: KpiSeed = {
    cases: [],
    payments: [],
    events: [],
    outbox: [],
    tasks: [],
    portal: [],
    agents: [
      { id: `${prefix}agent-1`, name: 'Anna Archiv (demo history)' },
      { id: `${prefix}agent-2`, name: 'Ben Backlog (demo history)' },
    ],
  };
  const segments = ['assisted', 'self-service', 'personal', 'small-balance'];
  for (let i = 0; i < 40; i++) {
    const debtorId = `${prefix}${i}`;
    const segment = segments[i % 4] as string;
    const currency = i % 7 === 3 ? 'USD' : 'EUR';
    const openedAt = at(new Date(asOf.getTime() - SPAN_DAYS * DAY), i * 3, 9 + (i % 5) * 3);
    const placed = 10_000 + i * 1_000;
    // Rows from before claims were recorded (no claim_paid) know only the principal.
    const legacy = i % 13 === 7;
    // Default interest and fees of the claim: euro claims against debtors in Germany.
    const charges = currency === 'EUR' && !legacy ? 40 + i * 13 : 0;
    const age = (asOf.getTime() - openedAt.getTime()) / DAY;
    let recovered = 0;
    let claimPaid = 0;
    let status: SeedCase['status'] = 'active';
    let closedAt: Date | null = null;
    const pay = (id: string, days: number, amount: number, allocated = amount, surplus = 0) => {
      const paidAt = at(openedAt, days, 2);
      if (paidAt > asOf) return;
      seed.payments.push({ id: `${debtorId}-${id}`, debtorId, currency, amount, allocated, paidAt });
      if (days < 0) return;
      recovered += allocated;
      claimPaid += amount - surplus;
    };
    if (i % 3 === 0) {
      const days = 5 + (i % 40) * 2;
      if (days + 1 < age) {
        const rest = placed - Math.round(placed * 0.4);
        pay('a', days - 3, Math.round(placed * 0.4));
        // The last payment settles the principal's rest and the interest and fees.
        pay('b', days, rest + charges, rest);
        status = 'paid';
        closedAt = at(openedAt, days, 3);
      } else pay('a', 1, 1_000);
    } else if (i % 3 === 1) {
      const amount = Math.round(placed * 0.3);
      // i = 10: part of the payment is a surplus on another claim; it stays a credit.
      pay('a', 20 + (i % 4) * 25, amount, i === 10 ? amount - 500 : amount, i === 10 ? 500 : 0);
      if (i % 6 === 1) status = 'promised';
    } else if (age > 46) {
      status = 'written-off';
      closedAt = at(openedAt, 45);
    }
    // A payment before the opening belongs to an earlier case; a surplus (i = 10) stays a credit.
    if (i % 11 === 5) pay('old', -10, 700);
    seed.cases.push({
      debtorId,
      segment,
      strategyVersion: `${segment}-v${i % 3 === 0 ? 2 : 1}`,
      variant: i % 5 === 0 ? null : i % 2 === 1 ? 'champion' : 'challenger',
      currency,
      status,
      openAmount: status === 'paid' ? 0 : legacy ? placed - recovered : placed + charges - claimPaid,
      claimPaid: legacy ? null : claimPaid,
      openedAt,
      closedAt,
      dpdOpen: i % 9 === 4 ? null : ([5, 20, 35, 50, 70, 95][i % 6] as number),
    });

    const event = (days: number, type: string, channel?: string) => {
      const when = at(openedAt, days, 1);
      if (when <= asOf) seed.events.push({ debtorId, at: when, type, ...(channel ? { channel } : {}) });
    };
    event(-30, 'promise-made'); // an earlier case's
    if (i % 4 === 1) {
      event(3, 'promise-made');
      event(10, i % 8 === 1 ? 'promise-kept' : 'promise-broken');
    }
    if (i % 6 === 2) {
      event(4, 'plan-accepted');
      event(40, i % 12 === 2 ? 'plan-completed' : 'plan-broken');
    }
    if (i % 7 === 2) event(6, 'dispute-opened');
    if (i % 9 === 3) event(2, 'opted-out', 'email');
    if (i % 10 === 7) event(8, 'opted-out', 'sms');

    for (let k = 0; k < (i % 4) + 1; k++) {
      seed.outbox.push({ debtorId, channel: 'email', sentAt: at(openedAt, 1 + k * 4), segments: null });
    }
    seed.outbox.push({ debtorId, channel: 'email', sentAt: null, segments: null }); // skipped, never sent
    if (i % 3 !== 2) {
      seed.outbox.push({
        debtorId,
        channel: 'sms',
        sentAt: at(openedAt, 2),
        segments: i % 5 === 0 ? null : (i % 2) + 1,
      });
    }
    if (i % 10 === 0)
      seed.outbox.push({ debtorId, channel: 'letter', sentAt: at(openedAt, 12), segments: null });
    seed.outbox.push({ debtorId, channel: 'email', sentAt: at(openedAt, -20), segments: null }); // earlier case

    if (i % 4 === 2) {
      for (let k = 0; k < 3; k++) {
        seed.tasks.push({
          key: `${debtorId}/call-${k}`,
          debtorId,
          kind: 'call',
          closedAt: at(openedAt, 4 + k),
          callResult: k === 2 && i % 8 === 2 ? 'conversation' : 'attempt',
          agentId: i % 8 === 2 ? `${prefix}agent-1` : `${prefix}agent-2`,
          outcome:
            k === 2 && i % 8 === 2
              ? {
                  kind: 'promise',
                  date: dateOnly(at(openedAt, 45)),
                  ...(i % 16 === 2 ? {} : { amount: 4_000 }),
                }
              : { kind: 'not-reached', reason: 'no-answer' },
        });
      }
    }
    if (i % 7 === 2) {
      seed.tasks.push({
        key: `${debtorId}/dispute`,
        debtorId,
        kind: 'dispute-review',
        closedAt: at(openedAt, 9),
        callResult: null,
        agentId: `${prefix}agent-1`,
        outcome: { kind: 'refuses' },
      });
    }

    if (i % 2 === 0) {
      const channel = i % 6 === 0 ? 'email' : i % 6 === 2 ? 'sms' : null;
      seed.portal.push({ debtorId, at: at(openedAt, 2, 5), type: 'opened', channel });
      seed.portal.push({ debtorId, at: at(openedAt, 3, 5), type: 'opened', channel });
      if (i % 4 === 0)
        seed.portal.push({ debtorId, at: at(openedAt, 3, 6), type: 'payment-started', channel });
      if (i % 8 === 0) seed.portal.push({ debtorId, at: at(openedAt, 3, 7), type: 'paid', channel });
    }
  }
  return {
    ...seed,
    events: seed.events.filter((e) => e.at <= asOf),
    outbox: seed.outbox.filter((o) => !o.sentAt || o.sentAt <= asOf),
    tasks: seed.tasks.filter((t) => t.closedAt <= asOf),
    portal: seed.portal.filter((p) => p.at <= asOf),
  };
}

/** Asks a running instance to load the demo history; a line for the demo's output. */
export async function requestDemoHistory(options: { url: string; apiKey: string }): Promise<string> {
  const response = await fetch(`${normalizeBaseUrl(options.url)}/v1/dev/demo-history`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.apiKey}` },
  });
  if (response.status === 404) {
    return 'Demo history: not offered here (only on the embedded development setup of `npm start`).';
  }
  if (!response.ok) {
    throw new DemoLoadError(`POST /v1/dev/demo-history: ${response.status} ${await response.text()}`);
  }
  const body = (await response.json()) as { loaded: boolean; cases: number };
  return body.loaded
    ? `Demo history: ${body.cases} past cases loaded (debtor ids demo-history-…) for the cockpit.`
    : 'Demo history: already loaded.';
}
