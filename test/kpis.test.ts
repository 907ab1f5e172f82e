import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AgentKpiRow, KpiRow } from '../domain/kpis/figures.js';
import { defaultUnitCosts } from '../domain/kpis/unit-costs.js';
import type { KpiGroup } from '../db/kpis.js';
import { agentReport, kpiReport } from '../web/kpis/report.js';
import { startProduct, testDatabases, TEST_API_KEY, type RunningProduct } from './setup/harness.js';
import { insertHistory, type KpiSeed, type SeedCase } from '../db/demo-history.js';
import { historySeed } from '../demo/history.js';

/**
 * The KPI SQL against figures computed here, in plain TypeScript over the same seed, straight from
 * the README definitions: two implementations that must agree.
 */

const DAY = 86_400_000;
const AS_OF = new Date('2026-12-01T00:00:00Z');
const seed = historySeed({ asOf: AS_OF, prefix: 'k-' });

function isoWeek(d: Date): string {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of the week names its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

const bucket = (dpd: number) => (dpd <= 0 ? 0 : dpd <= 30 ? 1 : dpd <= 60 ? 2 : dpd <= 90 ? 3 : 4);
const share = (n: number, d: number) => (d > 0 ? n / d : null);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

interface Touch {
  emails: number;
  smsMessages: number;
  smsSegments: number;
  letters: number;
  callAttempts: number;
  conversations: number;
  opened: number;
  started: number;
  paid: number;
}

function expectedRows(data: KpiSeed, groupBy: KpiGroup, currency?: string): KpiRow[] {
  const since = (c: SeedCase, when: Date | null) => when !== null && when >= c.openedAt;
  const facts = data.cases
    .filter((c) => !currency || c.currency === currency)
    .map((c) => {
      const pays = data.payments.filter(
        (p) => p.debtorId === c.debtorId && p.currency === c.currency && since(c, p.paidAt),
      );
      // Recovered: what the case's payments settled of the whole claim (principal, interest, fees;
      // a surplus excluded). A row from before claims were recorded knows only the principal.
      const early = (n: number) => pays.filter((p) => p.paidAt.getTime() < c.openedAt.getTime() + n * DAY);
      const within = (n: number) =>
        c.claimPaid === null
          ? sum(early(n).map((p) => p.allocated))
          : Math.min(sum(early(n).map((p) => p.amount)), c.claimPaid);
      const recovered = c.claimPaid ?? sum(pays.map((p) => p.allocated));
      const events = data.events.filter((e) => e.debtorId === c.debtorId && since(c, e.at));
      const count = (type: string) => events.filter((e) => e.type === type).length;
      const touches = new Map<string, Touch>();
      const touch = (channel: string) => {
        const found = touches.get(channel);
        if (found) return found;
        const fresh = {
          emails: 0,
          smsMessages: 0,
          smsSegments: 0,
          letters: 0,
          callAttempts: 0,
          conversations: 0,
          opened: 0,
          started: 0,
          paid: 0,
        };
        touches.set(channel, fresh);
        return fresh;
      };
      for (const o of data.outbox.filter((o) => o.debtorId === c.debtorId && since(c, o.sentAt))) {
        const t = touch(o.channel);
        if (o.channel === 'email') t.emails++;
        if (o.channel === 'letter') t.letters++;
        if (o.channel === 'sms') {
          t.smsMessages++;
          t.smsSegments += o.segments ?? 1;
        }
      }
      for (const task of data.tasks.filter(
        (t) => t.debtorId === c.debtorId && t.callResult && since(c, t.closedAt),
      )) {
        const t = touch('call');
        t.callAttempts++;
        if (task.callResult === 'conversation') t.conversations++;
      }
      for (const p of data.portal.filter((p) => p.debtorId === c.debtorId && since(c, p.at))) {
        const t = touch(p.channel ?? 'unknown');
        if (p.type === 'opened') t.opened = 1;
        if (p.type === 'payment-started') t.started = 1;
        if (p.type === 'paid') t.paid = 1;
      }
      const all = [...touches.values()];
      const total: Touch = {
        emails: sum(all.map((t) => t.emails)),
        smsMessages: sum(all.map((t) => t.smsMessages)),
        smsSegments: sum(all.map((t) => t.smsSegments)),
        letters: sum(all.map((t) => t.letters)),
        callAttempts: sum(all.map((t) => t.callAttempts)),
        conversations: sum(all.map((t) => t.conversations)),
        opened: Math.max(0, ...all.map((t) => t.opened)),
        started: Math.max(0, ...all.map((t) => t.started)),
        paid: Math.max(0, ...all.map((t) => t.paid)),
      };
      const end = c.closedAt ?? AS_OF;
      const age = Math.floor((end.getTime() - c.openedAt.getTime()) / DAY);
      const keys: Record<Exclude<KpiGroup, 'channel'>, string> = {
        segment: c.segment,
        strategyVersion: c.strategyVersion,
        variant: c.variant ?? 'none',
        cohort: isoWeek(c.openedAt),
      };
      const scopes: { key: string; t: Touch }[] =
        groupBy === 'channel'
          ? [...touches.entries()].map(([key, t]) => ({ key, t }))
          : [{ key: keys[groupBy], t: total }];
      return scopes.map(({ key, t }) => ({
        key,
        c,
        t,
        recovered,
        within,
        placed: recovered + c.openAmount,
        matured: (n: number) => c.openedAt.getTime() + n * DAY <= AS_OF.getTime(),
        daysToPay:
          c.status === 'paid' && c.closedAt ? (c.closedAt.getTime() - c.openedAt.getTime()) / DAY : undefined,
        kept: count('promise-kept'),
        broken: count('promise-broken'),
        made: count('promise-made'),
        plansDone: count('plan-completed'),
        plansBroken: count('plan-broken'),
        disputed: count('dispute-opened') > 0,
        emailed: total.emails > 0,
        texted: total.smsMessages > 0,
        optOutEmail: events.some((e) => e.type === 'opted-out' && e.channel === 'email'),
        optOutSms: events.some((e) => e.type === 'opted-out' && e.channel === 'sms'),
        b0: c.dpdOpen === null ? null : bucket(c.dpdOpen),
        b1: c.dpdOpen === null ? null : bucket(c.dpdOpen + age),
      }));
    })
    .flat();

  const groups = new Map<string, typeof facts>();
  for (const f of facts) {
    const id = `${f.key}\u0000${f.c.currency}`;
    groups.set(id, [...(groups.get(id) ?? []), f]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, fs]) => {
      const first = fs[0] as (typeof fs)[number];
      const cost = defaultUnitCosts[first.c.currency];
      const recoveredAt = (n: number) =>
        share(
          sum(fs.filter((f) => f.matured(n)).map((f) => f.within(n))),
          sum(fs.filter((f) => f.matured(n)).map((f) => f.placed)),
        );
      const units = {
        emails: sum(fs.map((f) => f.t.emails)),
        smsMessages: sum(fs.map((f) => f.t.smsMessages)),
        smsSegments: sum(fs.map((f) => f.t.smsSegments)),
        letters: sum(fs.map((f) => f.t.letters)),
        callAttempts: sum(fs.map((f) => f.t.callAttempts)),
      };
      const totalCost = cost
        ? units.emails * cost.email +
          units.smsSegments * cost.smsSegment +
          units.letters * cost.letter +
          units.callAttempts * cost.callAttempt
        : null;
      const amountRecovered = sum(fs.map((f) => f.recovered));
      const known = fs.filter((f) => f.b0 !== null && f.b1 !== null) as ((typeof fs)[number] & {
        b0: number;
        b1: number;
      })[];
      const closed = (f: (typeof known)[number]) => f.c.closedAt !== null;
      const paid = (f: (typeof known)[number]) => f.c.closedAt !== null && f.c.status === 'paid';
      const left = (b: number) => known.filter((f) => f.b0 <= b && (f.b1 > b || (closed(f) && f.b1 === b)));
      const roll = (b: number) => share(left(b).filter((f) => f.b1 > b).length, left(b).length);
      const cure = (b: number) => share(left(b).filter((f) => f.b1 === b && paid(f)).length, left(b).length);
      const left4 = known.filter((f) => f.b1 === 4 && closed(f));
      return {
        group: first.key,
        currency: first.c.currency,
        casesOpened: fs.length,
        amountPlaced: sum(fs.map((f) => f.placed)),
        amountRecovered,
        recoveryRate30: recoveredAt(30),
        recoveryRate60: recoveredAt(60),
        recoveryRate90: recoveredAt(90),
        medianDaysToPay: median(fs.flatMap((f) => (f.daysToPay === undefined ? [] : [f.daysToPay]))),
        promisesMade: sum(fs.map((f) => f.made)),
        promiseKeptRate: share(sum(fs.map((f) => f.kept)), sum(fs.map((f) => f.kept + f.broken))),
        planCompletionRate: share(
          sum(fs.map((f) => f.plansDone)),
          sum(fs.map((f) => f.plansDone + f.plansBroken)),
        ),
        disputeRate: share(fs.filter((f) => f.disputed).length, fs.length),
        optOutRateEmail: share(
          fs.filter((f) => f.emailed && f.optOutEmail).length,
          fs.filter((f) => f.emailed).length,
        ),
        optOutRateSms: share(
          fs.filter((f) => f.texted && f.optOutSms).length,
          fs.filter((f) => f.texted).length,
        ),
        contacts: units.emails + units.smsMessages + units.letters + units.callAttempts,
        ...units,
        cost: totalCost,
        costPerUnitRecovered: totalCost === null ? null : share(totalCost, amountRecovered),
        rightPartyContactRate: share(sum(fs.map((f) => f.t.conversations)), units.callAttempts),
        rollRate1to30: roll(1),
        rollRate31to60: roll(2),
        rollRate61to90: roll(3),
        cureRate1to30: cure(1),
        cureRate31to60: cure(2),
        cureRate61to90: cure(3),
        cureRate90plus: share(left4.filter(paid).length, left4.length),
        portalOpened: sum(fs.map((f) => f.t.opened)),
        portalPaymentStarted: sum(fs.map((f) => f.t.started)),
        portalPaid: sum(fs.map((f) => f.t.paid)),
      };
    });
}

function expectedAgents(data: KpiSeed): AgentKpiRow[] {
  const caseOf = (debtorId: string) => data.cases.find((x) => x.debtorId === debtorId) as SeedCase;
  return data.agents.flatMap((agent) => {
    const done = data.tasks.filter((t) => t.agentId === agent.id);
    const currencies = [...new Set(done.map((t) => caseOf(t.debtorId).currency))].sort();
    return currencies.map((currency) => {
      const mine = done.filter((t) => caseOf(t.debtorId).currency === currency);
      const promises = mine.flatMap((t) => {
        if (t.outcome?.kind !== 'promise') return [];
        const paidSince = data.payments.filter((p) => p.debtorId === t.debtorId && p.paidAt >= t.closedAt);
        const promised =
          (t.outcome.amount as number | undefined) ??
          caseOf(t.debtorId).openAmount + sum(paidSince.map((p) => p.amount));
        const deadline = new Date(`${t.outcome.date as string}T00:00:00Z`).getTime() + DAY;
        const byDate = sum(paidSince.filter((p) => p.paidAt.getTime() < deadline).map((p) => p.amount));
        return [{ promised, kept: byDate >= promised }];
      });
      return {
        agentId: agent.id,
        agentName: agent.name,
        currency,
        tasksDone: mine.length,
        promisesTaken: promises.length,
        amountPromised: sum(promises.map((p) => p.promised)),
        promisesKept: promises.filter((p) => p.kept).length,
        amountKept: sum(promises.filter((p) => p.kept).map((p) => p.promised)),
      };
    });
  });
}

/** Equal figure by figure; rates and medians to 9 places (float arithmetic in SQL and here). */
function expectSameRows(actual: readonly object[], expected: readonly object[]) {
  expect(actual.map((r) => Object.keys(r).sort())).toEqual(expected.map((r) => Object.keys(r).sort()));
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    const want = expected[i] as Record<string, unknown>;
    for (const [key, value] of Object.entries(row)) {
      const other = want[key];
      if (typeof value === 'number' && typeof other === 'number' && !Number.isInteger(other)) {
        expect(value, `${String((want as { group?: string }).group)}.${key}`).toBeCloseTo(other, 9);
      } else expect(value, `${String((want as { group?: string }).group)}.${key}`).toEqual(other);
    }
  });
}

describe.each(testDatabases)('KPIs on a seeded portfolio (%s)', (database) => {
  let product: RunningProduct;
  beforeAll(async () => {
    product = await startProduct(inject('temporalAddress'), database, { role: 'api' });
    await insertHistory(product.db, seed);
  });
  afterAll(async () => {
    await product?.stop();
  });

  it('the seed exercises every figure', () => {
    const rows = expectedRows(seed, 'segment');
    for (const key of Object.keys(rows[0] as object) as (keyof KpiRow)[]) {
      expect(
        rows.some((r) => r[key] !== null && r[key] !== 0),
        `${key} is non-zero somewhere`,
      ).toBe(true);
    }
  });

  it.each(['segment', 'strategyVersion', 'variant', 'channel', 'cohort'] as const)(
    'grouped by %s, every figure matches the definition',
    async (groupBy) => {
      const rows = await kpiReport(product.db, defaultUnitCosts, { groupBy }, AS_OF);
      expectSameRows(rows, expectedRows(seed, groupBy));
    },
  );

  it('filters by currency and by the day a case opened', async () => {
    const usd = await kpiReport(product.db, defaultUnitCosts, { groupBy: 'segment', currency: 'USD' }, AS_OF);
    expectSameRows(usd, expectedRows(seed, 'segment', 'USD'));
    const window = { from: '2026-09-01', to: '2026-09-30' };
    const rows = await kpiReport(product.db, defaultUnitCosts, { groupBy: 'variant', ...window }, AS_OF);
    const inWindow = {
      ...seed,
      cases: seed.cases.filter(
        (c) =>
          c.openedAt >= new Date('2026-09-01T00:00:00Z') && c.openedAt < new Date('2026-10-01T00:00:00Z'),
      ),
    };
    expect(inWindow.cases.length).toBeGreaterThan(5);
    expect(inWindow.cases.length).toBeLessThan(seed.cases.length);
    expectSameRows(rows, expectedRows(inWindow, 'variant'));
  });

  it('per agent: tasks done, promises taken, amounts promised and kept', async () => {
    const rows = await agentReport(product.db, {});
    const expected = expectedAgents(seed);
    expect(expected.some((a) => a.promisesKept > 0 && a.promisesKept < a.promisesTaken)).toBe(true);
    expectSameRows(rows, expected);
  });

  it('letters cost money: the letter channel costs its letters × the unit cost, and the policy sets that cost', async () => {
    const letterRow = async (costs: typeof defaultUnitCosts) =>
      (await kpiReport(product.db, costs, { groupBy: 'channel', currency: 'EUR' }, AS_OF)).find(
        (r) => r.group === 'letter',
      );
    const seeded = await letterRow(defaultUnitCosts);
    // The letters of EUR cases sent while their case was open, counted from the seed here.
    const letters = expectedRows(seed, 'channel', 'EUR').find((r) => r.group === 'letter')?.letters ?? 0;
    expect(letters).toBeGreaterThan(0);
    expect(seeded).toMatchObject({ letters, emails: 0, smsSegments: 0, callAttempts: 0 });
    expect(seeded?.cost).toBe(letters * defaultUnitCosts.EUR!.letter);
    const dearer = await letterRow({ ...defaultUnitCosts, EUR: { ...defaultUnitCosts.EUR!, letter: 250 } });
    expect(dearer?.cost).toBe(letters * 250);
    expect(dearer?.costPerUnitRecovered).toBeGreaterThan(seeded?.costPerUnitRecovered ?? Infinity);
  });

  it('GET /v1/kpis answers JSON and CSV, and names a bad field', async () => {
    const json = await product.request('GET', '/v1/kpis?groupBy=channel&currency=EUR');
    expect(json.status).toBe(200);
    const rows = json.body as KpiRow[];
    expect(rows.map((r) => r.group)).toEqual(['call', 'email', 'letter', 'sms', 'unknown']);
    expectSameRows(
      rows,
      await kpiReport(product.db, defaultUnitCosts, { groupBy: 'channel', currency: 'EUR' }),
    );

    const csv = await fetch(`${product.apiUrl}/v1/kpis?groupBy=segment`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}`, accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]?.split(',').slice(0, 4)).toEqual(['group', 'currency', 'casesOpened', 'amountPlaced']);
    const segmentRows = await kpiReport(product.db, defaultUnitCosts, { groupBy: 'segment' });
    expect(lines).toHaveLength(segmentRows.length + 1);
    const assisted = segmentRows.find((r) => r.group === 'assisted' && r.currency === 'EUR') as KpiRow;
    expect(lines).toContain(
      Object.values(assisted)
        .map((v) => (v === null ? '' : String(v)))
        .join(','),
    );

    const bad = await product.request('GET', '/v1/kpis?groupBy=weekday&from=2026-13-01');
    expect(bad.status).toBe(400);
    const fields = (bad.body as { issues: { field: string }[] }).issues.map((i) => i.field).sort();
    expect(fields).toEqual(['from', 'groupBy']);
  });
});
