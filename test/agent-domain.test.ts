import { describe, expect, it } from 'vitest';
import { callDeadline, callResult, requiredSkills, taskPriority } from '../domain/agent-tasks.js';
import { hasSkills, skillListSchema } from '../domain/agents.js';
import { defaultContactPolicyConfig, zonedTimeToEpoch } from '../domain/contact-policy/index.js';
import { parseOutcomeForm } from '../web/inbox/outcome-form.js';
import { hashPassword, verifyPassword } from '../web/passwords.js';

const berlin = (date: string, time: string) => zonedTimeToEpoch(date, time, 'Europe/Berlin');

describe('agent task planning', () => {
  it('a call is due when the contact window closes on the SLA day, or the working day before', () => {
    const due = (from: number, sla: number) =>
      callDeadline(from, sla, 'Europe/Berlin', 'DE', defaultContactPolicyConfig);
    // Tuesday 2026-12-01 10:00 + 2 days: Thursday 20:00.
    expect(due(berlin('2026-12-01', '10:00'), 2)).toBe(berlin('2026-12-03', '20:00'));
    // Friday + 2 days is Sunday: no window, so Saturday 20:00.
    expect(due(berlin('2026-12-04', '10:00'), 2)).toBe(berlin('2026-12-05', '20:00'));
    // Wednesday 2026-12-23 + 2 days is Christmas Day (a public holiday): Thursday 24th 20:00.
    expect(due(berlin('2026-12-23', '10:00'), 2)).toBe(berlin('2026-12-24', '20:00'));
  });

  it('skills come from the language, the kind and the case; priority from the kind, amount and age', () => {
    const debtor = { locale: 'de', flags: [] as string[], b2b: false, openAmount: 10_000 };
    expect(requiredSkills('call', debtor, 500_000)).toEqual(['lang:de']);
    expect(requiredSkills('protected-review', { ...debtor, flags: ['legal-hold'] }, 500_000)).toEqual([
      'hardship',
      'lang:de',
      'legal',
    ]);
    expect(requiredSkills('call', { ...debtor, b2b: true, openAmount: 600_000 }, 500_000)).toEqual([
      'b2b',
      'high-value',
      'lang:de',
    ]);
    expect(taskPriority('call', { openAmount: 10_000, daysPastDue: 10 }, 500_000)).toBe(50);
    expect(taskPriority('call', { openAmount: 600_000, daysPastDue: 70 }, 500_000)).toBe(80);
    expect(taskPriority('call-back', { openAmount: 0, daysPastDue: 0 }, 500_000)).toBeGreaterThan(50);
    expect(hasSkills(['lang:de', 'hardship'], ['hardship'])).toBe(true);
    expect(hasSkills(['lang:de'], ['hardship', 'lang:de'])).toBe(false);
    expect(skillListSchema.parse('Lang:DE, hardship  hardship')).toEqual(['hardship', 'lang:de']);
  });

  it('calls count as conversations or attempts; desk work does not count', () => {
    expect(callResult('call', { kind: 'refuses' })).toBe('conversation');
    expect(callResult('call', { kind: 'not-reached', reason: 'voicemail' })).toBe('attempt');
    expect(callResult('call-back', { kind: 'call-back', at: '2026-12-01T10:00:00Z' })).toBe('attempt');
    expect(callResult('data-research', { kind: 'data-found', channels: ['email'] })).toBeNull();
  });
});

describe('the outcome form', () => {
  const debtor = { timezone: 'Europe/Berlin', currency: 'EUR' };
  it('reads amounts in the case currency and call-back times in the debtor’s zone', () => {
    expect(
      parseOutcomeForm({ kind: 'promise', date: '2026-12-04', amount: '120,5', note: ' ok ' }, debtor),
    ).toEqual({
      ok: true,
      outcome: { kind: 'promise', date: '2026-12-04', amount: 12_050 },
      note: 'ok',
      contactData: undefined,
    });
    const callBack = parseOutcomeForm({ kind: 'call-back', at: '2026-12-02T11:00' }, debtor);
    expect(callBack.ok && callBack.outcome).toEqual({
      kind: 'call-back',
      at: new Date(berlin('2026-12-02', '11:00')).toISOString(),
    });
    const found = parseOutcomeForm(
      { kind: 'data-found', phone: '+4915123456789', callConsent: 'on' },
      debtor,
    );
    expect(found).toMatchObject({
      ok: true,
      outcome: { kind: 'data-found', channels: ['phone'] },
      contactData: { phone: '+4915123456789', callConsent: true, smsConsent: false },
    });
  });

  it('names the field that is wrong', () => {
    expect(parseOutcomeForm({ kind: 'promise', date: '2026-12-04', amount: '12.345' }, debtor)).toEqual({
      ok: false,
      message: 'amount: use a number such as 120.50',
    });
    expect(parseOutcomeForm({ kind: 'promise' }, debtor)).toMatchObject({ ok: false, message: /^date:/ });
    expect(parseOutcomeForm({ kind: 'teleport' }, debtor)).toMatchObject({ ok: false, message: /^kind:/ });
    expect(parseOutcomeForm({ kind: 'data-found', phone: '0151' }, debtor)).toMatchObject({
      ok: false,
      message: /^phone:/,
    });
  });
});

describe('agent passwords', () => {
  it('scrypt with a salt per password; only the right password verifies', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse battery', first)).toBe(true);
    expect(await verifyPassword('correct horse batterY', first)).toBe(false);
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
  });
});
