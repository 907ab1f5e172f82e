import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '../domain/claim/days.js';
import { caseWorkflowId } from '../domain/case.js';
import { localDate } from '../domain/dates.js';
import { eventually } from './setup/eventually.js';
import { startProduct, zoneInContactWindowNow, type RunningProduct } from './setup/harness.js';
import { keepHistory } from './setup/histories.js';

const IBAN = 'DE89370400440532013000';
const zone = zoneInContactWindowNow();
let product: RunningProduct;

beforeAll(async () => {
  product = await startProduct(inject('temporalAddress'), 'pglite', {
    env: { PORTAL_SEPA_IBAN: IBAN, PORTAL_SEPA_HOLDER: 'Mahnwerk Demo GmbH' },
  });
});
afterAll(() => product?.stop());

interface CaseView {
  segment: string;
  assessment: { ruleId: string; missingData: string[] } | null;
  claim: { open: number };
  timeline: { type: string; summary: string }[];
}

describe('a debtor with only a postal address, end to end on the real workflow', () => {
  it('is assessed reachable and gets a letter as the first step: the PDF with the claim and a GiroCode in the dev outbox', async () => {
    const id = 'postal-only';
    const created = await product.request('PUT', `/v1/debtors/${id}`, {
      name: 'Paula Post',
      locale: 'de',
      timezone: zone,
      country: 'DE',
      address: { street: 'Hauptstraße', houseNumber: '5', postcode: '10115', city: 'Berlin', country: 'DE' },
    });
    expect(created.status).toBe(201);
    const dueDate = addDays(localDate(new Date(), zone), -60);
    const opened = await product.request('PUT', `/v1/debtors/${id}/invoices/inv-1`, {
      currency: 'EUR',
      amountDue: 12_950,
      dueDate,
      issuedAt: `${addDays(dueDate, -14)}T10:00:00Z`,
    });
    expect(opened.status).toBe(201);

    const letter = await product.devLetters!.waitFor((l) => l.debtorId === id, 60_000);
    expect(letter.template).toBe('reminder-1');

    const view = await eventually(
      async () => (await product.request('GET', `/v1/cases/${id}`)).body as CaseView,
      (got) => got.timeline.some((e) => e.type === 'contact-sent'),
    );
    // Not held for data research: the postal address is a reachable channel.
    expect(view.segment).toBe('assisted');
    expect(view.assessment).toMatchObject({ ruleId: 'assisted', missingData: [] });
    const sent = view.timeline.filter((e) => e.type === 'contact-sent').map((e) => e.summary);
    expect(sent).toEqual(['Reminder 1 sent by letter (de)']);
    expect(view.timeline.map((e) => e.type)).not.toContain('agent-task-created');

    // The dev outbox lists it with a link to its PDF, which is the letter the stand-in received.
    const outbox = (await (await fetch(`${product.apiUrl}/dev/outbox.json`)).json()) as {
      letters: { debtorId: string; pdfUrl: string }[];
    };
    const listed = outbox.letters.filter((l) => l.debtorId === id);
    expect(listed).toHaveLength(1);
    const response = await fetch(listed[0]!.pdfUrl);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const dir = mkdtempSync(path.join(tmpdir(), 'mahnwerk-letter-first-'));
    const file = path.join(dir, 'letter.pdf');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).replaceAll(
      '\u00a0',
      ' ',
    );
    expect(text).toContain('Hauptstraße 5');
    expect(text).toContain('Hauptforderung Rechnung inv-1');
    const open = `${(view.claim.open / 100).toFixed(2).replace('.', ',')} €`;
    expect(text).toContain(open);
    expect(await (await fetch(`${product.apiUrl}/dev/outbox`)).text()).toContain(
      `/dev/outbox/letters/${letter.id}.pdf`,
    );

    // The GiroCode pays the whole open claim to the creditor's account.
    execFileSync('pdftoppm', ['-png', '-r', '200', file, path.join(dir, 'page')]);
    const payload = execFileSync('zbarimg', ['--raw', '-q', path.join(dir, 'page-1.png')], {
      encoding: 'utf8',
    }).split('\n');
    expect(payload[6]).toBe(IBAN);
    expect(payload[7]).toBe(`EUR${(view.claim.open / 100).toFixed(2)}`);

    // The letter step as a replay fixture (RECORD_HISTORIES=1): later workflow changes must replay it.
    await product.cases.cancel(id, 'test over');
    const handle = product.client.workflow.getHandle(caseWorkflowId(id));
    expect(await handle.result()).toMatchObject({ status: 'cancelled' });
    await keepHistory('letter-first', handle);
  });
});
