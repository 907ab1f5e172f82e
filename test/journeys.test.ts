import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSimulate } from '../cli/simulate.js';
import { baseRateOn } from '../domain/claim/index.js';
import { days } from '../domain/dates.js';
import type { JourneyEntry } from '../simulation/journey.js';
import { debtorRowSchema, type DebtorRow } from '../simulation/debtor.js';

/**
 * No case dead-ends: for each default segment an unresponsive debtor's 150-day journey, run by the
 * real workflows on the time-skipping server (`mahnwerk simulate`), reaches the strategy's next stage
 * and ends in a hand-over request, a write-off decision or a protected review.
 */

const reachable = [
  { channel: 'email', consent: true },
  { channel: 'sms', consent: true },
];

function debtor(debtorId: string, facts: Partial<DebtorRow>): DebtorRow {
  return debtorRowSchema.parse({
    debtorId,
    locale: 'de',
    timezone: 'Europe/Berlin',
    country: 'DE',
    openAmount: 12_950,
    currency: 'EUR',
    daysPastDue: 20,
    contactPoints: reachable,
    ...facts,
  });
}

async function journey(row: DebtorRow, days = 150, events: string[] = []): Promise<JourneyEntry[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mahnwerk-journey-'));
  const file = path.join(dir, 'debtor.json');
  await writeFile(file, JSON.stringify(row));
  const out = new PassThrough();
  const lines: string[] = [];
  out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const scripted = events.flatMap((e) => ['--event', e]);
  await runSimulate([file, '--days', String(days), '--json', ...scripted], out, new PassThrough());
  return lines.map((line) => JSON.parse(line) as JourneyEntry);
}

const ofType = (entries: JourneyEntry[], type: string) => entries.filter((e) => e.type === type);

/** The segments the case ran in, in order, each once. */
const segmentsOf = (entries: JourneyEntry[]) =>
  entries.map((e) => e.segment).filter((s, i, all) => i === 0 || all[i - 1] !== s);

describe('150-day journeys of unresponsive debtors (simulate, time-skipping server)', () => {
  it('self-service → assisted → high-risk → hand-over request, each by the next stage of the last', async () => {
    const entries = await journey(
      debtor('journey-self', {
        digitalAffinity: 'high',
        paymentHistory: { onTimeRate: 0.95 },
      }),
    );
    expect(segmentsOf(entries)).toEqual(['self-service', 'assisted', 'high-risk']);
    expect(ofType(entries, 'segment-changed').map((e) => e.summary)).toEqual([
      expect.stringMatching(/^Segment self-service → assisted: the strategy's last step went unanswered/),
      expect.stringMatching(/^Segment assisted → high-risk: the strategy's last step went unanswered/),
    ]);
    const requested = ofType(entries, 'handoff-requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]?.segment).toBe('high-risk');
    // Nothing is handed over without a supervisor's approval.
    expect(ofType(entries, 'escalated')).toEqual([]);
    expect(entries.at(-1)?.type).not.toBe('case-closed');
  }, 300_000);

  it.each([
    { name: 'assisted', facts: {} },
    { name: 'personal', facts: { customerValue: 'A' } },
  ] as const)(
    '$name → high-risk → hand-over request',
    async ({ name, facts }) => {
      const entries = await journey(debtor(`journey-${name}`, facts));
      expect(segmentsOf(entries)).toEqual([name, 'high-risk']);
      expect(ofType(entries, 'handoff-requested')).toHaveLength(1);
    },
    300_000,
  );

  it('high-risk: the tight cadence, then a hand-over request a supervisor sees again until decided', async () => {
    const entries = await journey(debtor('journey-risk', { daysPastDue: 95, openAmount: 48_000 }));
    expect(segmentsOf(entries)).toEqual(['high-risk']);
    const requested = ofType(entries, 'handoff-requested');
    expect(requested).toHaveLength(1);
    // The open claim: 480.00 principal + two dunning fees of 2.50 + default interest (the base rate
    // + 5 points) from the day after the first notice up to the request's day: how many days that
    // is depends on the weekday the run starts on (no contact on Sundays).
    const dayOf = (entry?: JourneyEntry) => entry?.localTime.slice(0, 10) ?? '';
    const [noticeDay, requestDay] = [dayOf(ofType(entries, 'contact-sent')[0]), dayOf(requested[0])];
    const interestDays = (Date.parse(requestDay) - Date.parse(noticeDay)) / days(1);
    const rate = baseRateOn(requestDay).basisPoints + 500;
    const interest = Math.round((48_000 * rate * interestDays) / 365 / 10_000);
    expect(requested[0]?.summary).toMatch(
      new RegExp(`^Hand-over approval: ${((48_000 + 500 + interest) / 100).toFixed(2)} EUR open`),
    );
    const approvals = ofType(entries, 'agent-task-created').filter((e) =>
      /Hand-over approval/.test(e.summary),
    );
    // Unanswered for 3 days, the approval is put again: it never lapses.
    expect(approvals.length).toBeGreaterThan(10);
  }, 300_000);

  it.each([
    { amount: 1_400, decided: 'write-off-decided', status: /written-off/ },
    { amount: 2_400, decided: 'write-off-requested', status: undefined },
  ])(
    'small-balance of $amount: a write-off decision after 14 days',
    async ({ amount, decided, status }) => {
      const entries = await journey(debtor(`journey-small-${amount}`, { openAmount: amount }));
      // Waiting for the approval, the case still follows the rules (at 90 days past due: high-risk).
      expect(segmentsOf(entries)[0]).toBe('small-balance');
      const decision = ofType(entries, decided);
      expect(decision).toHaveLength(1);
      expect(decision[0]?.day).toBe(14);
      if (status) expect(entries.at(-1)?.summary).toMatch(status);
    },
    300_000,
  );

  it('a dispute resolved for the creditor resumes outreach where it paused', async () => {
    const entries = await journey(debtor('journey-dispute', {}), 60, ['3:dispute', '30:dispute-resolved']);
    const sent = ofType(entries, 'contact-sent');
    expect(sent.filter((e) => e.day < 3).length).toBeGreaterThan(0);
    // Disputed: no contact at all until the creditor resolves it.
    expect(sent.filter((e) => e.day >= 3 && e.day < 30)).toEqual([]);
    expect(ofType(entries, 'dispute-resolved').map((e) => e.day)).toEqual([30]);
    const after = sent.filter((e) => e.day >= 30);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!.day).toBeLessThanOrEqual(37);
    expect(entries.at(-1)?.type).not.toBe('case-closed');
  }, 300_000);

  it('protected: a specialist review every 30 days, never a contact', async () => {
    const entries = await journey(debtor('journey-protected', { flags: ['hardship'] }));
    expect(segmentsOf(entries)).toEqual(['protected']);
    expect(ofType(entries, 'contact-sent')).toEqual([]);
    const reviews = ofType(entries, 'agent-task-created').filter((e) =>
      /^Agent task: Specialist review/.test(e.summary),
    );
    expect(reviews.map((e) => e.day)).toEqual([0, 35, 70, 105, 140]);
  }, 300_000);

  it('data-collection: research three times, then a supervisor decides', async () => {
    const entries = await journey(debtor('journey-data', { contactPoints: [] }));
    expect(segmentsOf(entries)).toEqual(['data-collection']);
    const research = ofType(entries, 'agent-task-created').filter((e) =>
      /^Agent task: Research contact data/.test(e.summary),
    );
    expect(research).toHaveLength(3);
    expect(ofType(entries, 'handoff-requested')[0]?.summary).toMatch(/^Supervisor decision/);
  }, 300_000);
});
