import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLetterPdf, type LetterContent } from '../channels/letter/pdf.js';
import { renderEmail } from '../channels/templates.js';
import { computeClaim, defaultCreditorPolicy, rdgFirstDemandInformation } from '../domain/claim/index.js';
import { creditorReference, isValidCreditorReference } from '../domain/payments/sepa.js';

const dir = mkdtempSync(path.join(tmpdir(), 'mahnwerk-letter-'));
const MM = 72 / 25.4;

/** A business 60 days overdue: € 129.50, interest since day 31, the € 40 flat fee. */
const claim = computeClaim(
  {
    currency: 'EUR',
    debtorType: 'business',
    invoices: [{ id: 'inv-1', amount: 12_950, dueDate: '2026-10-02', issuedOn: '2026-09-18' }],
    payments: [],
    reminders: [],
    asOf: '2026-12-01',
  },
  { kind: 'rules', rules: defaultCreditorPolicy().rules },
);

function letter(locale: 'de' | 'en'): LetterContent {
  const portalUrl = 'https://zahlung.example.test/p/abc123';
  const creditor = {
    name: 'Stadtwerke Musterstadt GmbH',
    email: 'forderungen@example.test',
    phone: '+49 30 1234567',
  };
  const text = renderEmail({
    template: 'final-notice',
    tone: 'firm',
    locale,
    debtorName: 'Muster GmbH',
    total: { amount: claim.open, currency: 'EUR' },
    invoices: [],
    creditor,
    portalUrl,
    claim,
  });
  return {
    locale,
    creditor: { ...creditor, address: ['Am Markt 1', '12345 Musterstadt'], country: 'DE' },
    recipient: {
      name: 'Muster GmbH',
      address: { street: 'Hauptstraße', houseNumber: '5', postcode: '10115', city: 'Berlin', country: 'DE' },
    },
    date: '2026-12-01',
    subject: text.subject,
    body: text.body,
    claim,
    portalUrl,
    transfer: {
      holder: 'Stadtwerke Musterstadt GmbH',
      iban: 'DE89370400440532013000',
      bic: 'COBADEFFXXX',
      reference: creditorReference('d-letter'),
    },
  };
}

async function pdfFile(name: string, content: LetterContent): Promise<string> {
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, await renderLetterPdf(content));
  return file;
}

const pdftotext = (file: string, ...args: string[]) =>
  execFileSync('pdftotext', [...args, '-layout', file, '-'], { encoding: 'utf8' }).replaceAll('\u00a0', ' ');

describe('a letter as PDF (DIN 5008 form B)', () => {
  it('puts the address in the window field, 20 mm from the left and 45 mm from the top, 85 × 45 mm', async () => {
    const file = await pdfFile('window', letter('de'));
    // Only what lies inside the window is extracted (points at 72 dpi).
    const window = pdftotext(
      file,
      '-r',
      '72',
      '-x',
      String(Math.floor(20 * MM)),
      '-y',
      String(Math.floor(45 * MM)),
      '-W',
      String(Math.ceil(85 * MM)),
      '-H',
      String(Math.ceil(45 * MM)),
    );
    const lines = window
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    expect(lines.slice(-3)).toEqual(['Muster GmbH', 'Hauptstraße 5', '10115 Berlin']);
    expect(lines[0]).toContain('Stadtwerke Musterstadt GmbH · Am Markt 1 · 12345 Musterstadt');
  });

  it('states the claim as a table in German amounts, with subject, date and portal link', async () => {
    const text = pdftotext(await pdfFile('de', letter('de')));
    expect(text).toMatch(/Hauptforderung Rechnung inv-1 \(fällig am 2\. Oktober 2026\)\s+129,50 €/);
    // Default from day 31 after the due date: 2 Nov – 1 Dec, 30 days × 12,950 × 10.27 % / 365 = 109.31 → 1,09 €.
    expect(text).toMatch(
      /Verzugszinsen 2\. November 2026 – 1\. Dezember 2026 \(30 Tage, 10,27 % p\. a\. auf\s+1,09 €/,
    );
    expect(text).toMatch(/Verzugspauschale \(§ 288 Abs\. 5 BGB\)\s+40,00 €/);
    expect(text).toMatch(/Offener Betrag\s+170,59 €/);
    expect(text).toContain('Datum: 1. Dezember 2026');
    expect(text).toContain('https://zahlung.example.test/p/abc123');
    expect(claim.open).toBe(17_059);
  });

  it('speaks English from the English template', async () => {
    const text = pdftotext(await pdfFile('en', letter('en')));
    expect(text).toMatch(/Principal, invoice inv-1 \(due on October 2, 2026\)\s+€129\.50/);
    expect(text).toMatch(/Amount open\s+€170\.59/);
  });

  it('prints the § 13a RDG block when given one', async () => {
    const legalNotice = rdgFirstDemandInformation({
      claim,
      locale: 'de',
      creditorName: 'Stadtwerke Musterstadt GmbH',
      claimReason: 'Stromlieferungsvertrag 4711',
      invoices: [{ id: 'inv-1', issuedOn: '2026-09-18' }],
    });
    const text = pdftotext(await pdfFile('rdg', { ...letter('de'), legalNotice }));
    expect(text).toContain('Informationen nach § 13a Abs. 1 Rechtsdienstleistungsgesetz (RDG)');
    expect(text).toContain('Auftraggeber (Gläubiger): Stadtwerke Musterstadt GmbH');
    expect(text).toMatch(/Kosten: Verzugspauschale § 288 Abs\. 5 BGB \(2\. November 2026\): 40,00 €/);
  });

  it('carries a GiroCode that decodes to the EPC payload with the open amount and the reference', async () => {
    const file = await pdfFile('qr', letter('de'));
    execFileSync('pdftoppm', ['-png', '-r', '200', file, path.join(dir, 'page')]);
    const decoded = execFileSync('zbarimg', ['--raw', '-q', path.join(dir, 'page-1.png')], {
      encoding: 'utf8',
    });
    const fields = decoded.replace(/\n$/, '').split('\n');
    expect(fields.slice(0, 8)).toEqual([
      'BCD',
      '002',
      '1',
      'SCT',
      'COBADEFFXXX',
      'Stadtwerke Musterstadt GmbH',
      'DE89370400440532013000',
      'EUR170.59',
    ]);
    expect(fields[9]).toBe(creditorReference('d-letter'));
    expect(isValidCreditorReference(fields[9]!)).toBe(true);
  });
});
