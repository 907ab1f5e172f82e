import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type SendMessageInput } from '../activities/index.js';
import { createLetterProvider, PermanentLetterError } from '../channels/letter/provider.js';
import { recordInvoice, upsertDebtor } from '../db/billing.js';
import { startLetterSink, type LetterSink } from '../dev/letter-sink.js';
import { startTestChannels, testActivityDeps, type TestChannels } from './setup/activities.js';
import { zoneInContactWindowNow } from './setup/harness.js';
import { unusedPort } from './setup/ports.js';

const API_KEY = 'letter-key-0123456789';
const ADDRESS = { street: 'Hauptstraße', houseNumber: '5', postcode: '10115', city: 'Berlin', country: 'DE' };

let channels: TestChannels;
let sink: LetterSink;
beforeAll(async () => {
  channels = await startTestChannels();
  sink = await startLetterSink({ port: 0, apiKey: API_KEY });
});
afterAll(async () => {
  await sink?.close();
  await channels?.close();
});

/** One attempt of the send activity against a print service at `apiUrl`. */
const attempt = (input: SendMessageInput, apiUrl = sink.url) =>
  new MockActivityEnvironment({ currentAttemptScheduledTimestampMs: Date.now() }).run(
    createActivities({
      ...testActivityDeps(channels.db, channels.mailer),
      letters: createLetterProvider({ apiUrl, apiKey: API_KEY, timeoutMs: 5_000 }),
    }).sendMessage,
    input,
  );

/** A debtor with only a postal address (no e-mail, no phone) and one open invoice of € 129.50. */
async function postalOnlyDebtor(id: string): Promise<SendMessageInput> {
  await upsertDebtor(channels.db, id, {
    name: 'Paula Post',
    locale: 'de',
    timezone: zoneInContactWindowNow(),
    country: 'DE',
    address: ADDRESS,
  });
  await recordInvoice(channels.db, id, 'inv-1', {
    currency: 'EUR',
    amountDue: 12_950,
    dueDate: '2026-10-02',
    issuedAt: '2026-09-18T08:00:00Z',
  });
  return {
    debtorId: id,
    idempotencyKey: `case-${id}/run/1/final/letter`,
    channel: 'letter',
    template: 'final-notice',
    tone: 'firm',
    stepLabel: 'Final notice',
  };
}

const lettersTo = (debtorId: string) => sink.letters().filter((l) => l.debtorId === debtorId);
const rowOf = (key: string) =>
  channels.db.selectFrom('outbox').selectAll().where('idempotency_key', '=', key).executeTakeFirstOrThrow();

function pdfText(id: string): string {
  const pdf = sink.pdf(id);
  if (!pdf) throw new Error(`the sink has no PDF for ${id}`);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'mahnwerk-letter-channel-')), 'letter.pdf');
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replaceAll('\u00a0', ' ');
}

describe('the letter channel: rendered PDF to the print service, once per step', () => {
  it('sends the DIN 5008 letter with the address, the amount and the step key to the print service', async () => {
    const input = await postalOnlyDebtor('letter-sent');
    expect(await attempt(input)).toEqual({ outcome: 'sent' });

    const [letter, ...more] = lettersTo('letter-sent');
    expect(more).toEqual([]);
    expect(letter).toMatchObject({
      idempotencyKey: input.idempotencyKey,
      template: 'final-notice',
      recipient: { name: 'Paula Post', address: ADDRESS },
    });
    const text = pdfText(letter!.id);
    expect(text).toContain('Paula Post');
    expect(text).toContain('Hauptstraße 5');
    expect(text).toContain('10115 Berlin');
    expect(text).toContain('129,50 €');
    const row = await rowOf(input.idempotencyKey);
    expect(row).toMatchObject({ channel: 'letter', status: 'sent', provider_id: letter!.id });
    expect(row.recipient).toBe('Paula Post, Hauptstraße 5, 10115 Berlin');
    expect(row.sent_at).toBeInstanceOf(Date);
  });

  it('a retry after the row says sent is done without a second request', async () => {
    const input = await postalOnlyDebtor('letter-retry');
    expect(await attempt(input)).toEqual({ outcome: 'sent' });
    expect(await attempt(input)).toEqual({ outcome: 'already-sent' });
    expect(lettersTo('letter-retry')).toHaveLength(1);
    expect(sink.repeats()).not.toContain(input.idempotencyKey);
  });

  it('a crash after the print service answered: the retry resends the key and gets the same letter back', async () => {
    const input = await postalOnlyDebtor('letter-crash');
    expect(await attempt(input)).toEqual({ outcome: 'sent' });
    // What a worker killed right after the provider's 201 leaves behind.
    await channels.db
      .updateTable('outbox')
      .set({ status: 'sending', sent_at: null, provider_id: null })
      .where('idempotency_key', '=', input.idempotencyKey)
      .execute();

    expect(await attempt(input)).toEqual({ outcome: 'sent' });
    const letters = lettersTo('letter-crash');
    expect(letters).toHaveLength(1);
    expect(sink.repeats()).toContain(input.idempotencyKey);
    expect(await rowOf(input.idempotencyKey)).toMatchObject({ status: 'sent', provider_id: letters[0]!.id });
  });

  it('an attempt that cannot reach the print service fails for a retry; the retry sends the one letter', async () => {
    const input = await postalOnlyDebtor('letter-down');
    const closed = `http://127.0.0.1:${await unusedPort()}`;
    await expect(attempt(input, closed)).rejects.toThrow();
    expect(await rowOf(input.idempotencyKey)).toMatchObject({ status: 'sending' });
    expect(lettersTo('letter-down')).toEqual([]);

    expect(await attempt(input)).toEqual({ outcome: 'sent' });
    expect(await attempt(input)).toEqual({ outcome: 'already-sent' });
    expect(lettersTo('letter-down')).toHaveLength(1);
  });

  it('skips a debtor without a valid postal address, naming what is missing', async () => {
    const input = await postalOnlyDebtor('letter-none');
    await channels.db
      .updateTable('debtors')
      .set({ postal_address: null })
      .where('id', '=', 'letter-none')
      .execute();
    expect(await attempt(input)).toEqual({ outcome: 'skipped', reason: 'no valid postal address' });
    expect(lettersTo('letter-none')).toEqual([]);
  });

  it('a letter the print service refuses is a permanent error naming the field', async () => {
    const provider = createLetterProvider({ apiUrl: sink.url, apiKey: API_KEY });
    const refused = await provider
      .send({
        idempotencyKey: 'bad-1',
        recipient: { name: 'X', address: { ...ADDRESS, postcode: '1' } },
        pdf: Buffer.from('%PDF').toString('base64'),
        metadata: { debtorId: 'bad', template: 'reminder-1' },
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PermanentLetterError);
    expect((refused as PermanentLetterError).message).toMatch(/recipient\.address\.postcode/);
    const unauthorised = await createLetterProvider({ apiUrl: sink.url })
      .send({
        idempotencyKey: 'bad-2',
        recipient: { name: 'X', address: ADDRESS },
        pdf: Buffer.from('%PDF').toString('base64'),
        metadata: { debtorId: 'bad', template: 'reminder-1' },
      })
      .catch((error: unknown) => error);
    expect(unauthorised).toBeInstanceOf(PermanentLetterError);
    expect((unauthorised as PermanentLetterError).status).toBe(401);
  });
});
