import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSimulate } from '../cli/simulate.js';
import { debtorRowSchema } from '../simulation/debtor.js';
import { parseScriptedEvent, ScriptError } from '../simulation/script.js';

const debtor = debtorRowSchema.parse({
  debtorId: 'sim-assisted',
  locale: 'de',
  timezone: 'Europe/Berlin',
  country: 'DE',
  openAmount: 12950,
  currency: 'EUR',
  daysPastDue: 20,
  contactPoints: [
    { channel: 'email', consent: true },
    { channel: 'sms', consent: true },
  ],
});

describe('journey simulation (mahnwerk simulate)', () => {
  it('parses scripted events and names what is wrong', () => {
    expect(parseScriptedEvent('10:payment:5000')).toEqual({ day: 10, kind: 'payment', amount: 5000 });
    expect(parseScriptedEvent('20:promise:+7')).toEqual({ day: 20, kind: 'promise', inDays: 7 });
    expect(parseScriptedEvent('12:opt-out:sms')).toEqual({ day: 12, kind: 'opt-out', channel: 'sms' });
    expect(parseScriptedEvent('30:dispute')).toEqual({ day: 30, kind: 'dispute' });
    expect(() => parseScriptedEvent('x:payment:5')).toThrow(ScriptError);
    expect(() => parseScriptedEvent('10:payment:-5')).toThrow(/amount/);
    expect(() => parseScriptedEvent('10:promise:7')).toThrow(/\+N/);
    expect(() => parseScriptedEvent('10:dispute:extra')).toThrow(ScriptError);
    expect(() => parseScriptedEvent('10:opt-out:fax')).toThrow(/channel/);
  });

  it('a debtor who pays on day 10 ends paid, with no contact after the payment (CLI, --json)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mahnwerk-simulate-'));
    const file = path.join(dir, 'debtor.json');
    await writeFile(file, JSON.stringify(debtor));
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    await runSimulate(
      [file, '--days', '20', '--event', '10:payment:12950', '--json'],
      out,
      new PassThrough(),
    );
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);

    for (const entry of entries) {
      expect(entry).toMatchObject({
        day: expect.any(Number),
        at: expect.any(String),
        type: expect.any(String),
        segment: 'assisted',
        summary: expect.any(String),
      });
    }
    const sent = entries.filter((e) => e.type === 'contact-sent');
    // Opened at 09:00 on a day in the contact window or deferred to the next allowed morning.
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.map((e) => e.channel)).toEqual(expect.arrayContaining(['email', 'sms']));
    expect(entries.find((e) => e.type === 'payment-recorded')?.day).toBe(10);
    expect(entries.filter((e) => Number(e.day) >= 10).map((e) => e.type)).not.toContain('contact-sent');
    expect(entries.at(-1)?.summary).toMatch(/paid/);
  });
});
