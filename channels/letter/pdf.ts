import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ClaimBreakdown } from '../../domain/claim/index.js';
import { formatDueDate } from '../../domain/dates.js';
import { epcPayload, formatIban, type TransferDetails } from '../../domain/payments/sepa.js';
import { addressLines, type PostalAddress } from '../../domain/postal-address.js';
import { claimRows, waiverNote } from '../messages/claim-rows.js';
import type { Locale } from '../messages/contexts.js';

/**
 * A dunning letter as a PDF in the German business-letter layout of DIN 5008, form B, for a
 * window envelope (DL/C6/5): on A4, the address field is 85 × 45 mm, 20 mm from the left and
 * 45 mm from the top edge; its first 17.7 mm hold the sender's return line, the recipient below.
 * The information block (creditor, date) starts 125 mm from the left, 50 mm from the top; the
 * text has a left margin of 25 mm and a right margin of 20 mm.
 */
export interface LetterContent {
  locale: Locale;
  /** `address`: the creditor's postal lines; `country` (ISO 3166-1) decides whether the recipient's country is written. */
  creditor: { name: string; email: string; phone: string; address: string[]; country: string };
  recipient: { name: string; address: PostalAddress };
  /** The letter's date (YYYY-MM-DD, the debtor's today). */
  date: string;
  subject: string;
  /** The template's text (the same templates as e-mail, in the segment's tone). */
  body: string;
  claim: ClaimBreakdown;
  portalUrl: string;
  /** A legal block (§ 13a RDG, Regulation F: domain/claim/legal-texts.ts) printed below the claim. */
  legalNotice?: string | undefined;
  /** A GiroCode for euro claims; undefined without a creditor account or for other currencies. */
  transfer: Omit<TransferDetails, 'amount'> | undefined;
}

const MM = 72 / 25.4;
const LEFT = 25 * MM;
const RIGHT = (210 - 20) * MM;

const LABELS = {
  de: {
    date: 'Datum',
    portal: 'Übersicht, Zahlung, Ratenplan und Rückfragen:',
    giro: 'Mit der Banking-App scannen (GiroCode):',
    transfer: (t: Omit<TransferDetails, 'amount'>) =>
      `Überweisung an ${t.holder}, IBAN ${formatIban(t.iban)}${t.bic ? `, BIC ${t.bic}` : ''}, Verwendungszweck ${t.reference}`,
  },
  en: {
    date: 'Date',
    portal: 'Overview, payment, instalments and questions:',
    giro: 'Scan with your banking app (GiroCode):',
    transfer: (t: Omit<TransferDetails, 'amount'>) =>
      `Transfer to ${t.holder}, IBAN ${formatIban(t.iban)}${t.bic ? `, BIC ${t.bic}` : ''}, reference ${t.reference}`,
  },
} as const;

export async function renderLetterPdf(letter: LetterContent): Promise<Buffer> {
  const t = LABELS[letter.locale];
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 20 * MM, bottom: 20 * MM, left: LEFT, right: 20 * MM },
    info: { Title: letter.subject, Author: letter.creditor.name },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));

  // Address field: return line in the first zone, then the recipient (at most 6 lines of 10 pt).
  doc.font('Helvetica').fontSize(7);
  doc.text([letter.creditor.name, ...letter.creditor.address].join(' · '), 20 * MM, 45 * MM + 12 * MM, {
    width: 85 * MM,
    lineBreak: false,
  });
  doc.fontSize(10);
  doc.text(
    addressLines(letter.recipient.name, letter.recipient.address, letter.creditor.country).join('\n'),
    20 * MM,
    62.7 * MM,
    {
      width: 85 * MM,
      height: 27.3 * MM,
    },
  );

  // Information block: creditor and date.
  doc
    .fontSize(9)
    .text(
      [
        letter.creditor.name,
        ...letter.creditor.address,
        letter.creditor.email,
        letter.creditor.phone,
        '',
        `${t.date}: ${formatDueDate(letter.date, letter.locale)}`,
      ].join('\n'),
      125 * MM,
      50 * MM,
      { width: 65 * MM },
    );

  doc
    .font('Helvetica-Bold')
    .fontSize(11)
    .text(letter.subject, LEFT, 103.4 * MM, { width: RIGHT - LEFT });
  doc.moveDown();
  doc.font('Helvetica').fontSize(10);
  for (const paragraph of letter.body.split(/\n\s*\n/)) {
    doc.text(paragraph.replace(/\s*\n\s*/g, ' '), LEFT, undefined, { width: RIGHT - LEFT });
    doc.moveDown(0.6);
  }

  // The claim as a table: label left, amount right-aligned; the total in bold.
  const rows = claimRows(letter.claim, letter.locale);
  doc.moveDown(0.4);
  rows.forEach(([label, amount], index) => {
    const last = index === rows.length - 1;
    if (last) doc.moveTo(LEFT, doc.y).lineTo(RIGHT, doc.y).lineWidth(0.5).stroke().moveDown(0.2);
    doc.font(last ? 'Helvetica-Bold' : 'Helvetica');
    const y = doc.y;
    doc.text(label, LEFT, y, { width: RIGHT - LEFT - 30 * MM });
    const after = doc.y;
    doc.text(amount, RIGHT - 30 * MM, y, { width: 30 * MM, align: 'right' });
    doc.y = Math.max(after, doc.y);
  });
  if (letter.claim.waiver)
    doc.moveDown(0.4).font('Helvetica').text(waiverNote(letter.claim.waiver.reason, letter.locale), LEFT);

  if (letter.legalNotice) {
    doc
      .moveDown()
      .font('Helvetica')
      .fontSize(8)
      .text(letter.legalNotice, LEFT, undefined, { width: RIGHT - LEFT });
    doc.fontSize(10);
  }
  doc.moveDown().font('Helvetica').text(t.portal, LEFT).text(letter.portalUrl, { link: letter.portalUrl });
  if (letter.transfer && letter.claim.currency === 'EUR' && letter.claim.open > 0) {
    const payload = epcPayload({
      ...letter.transfer,
      amount: { amount: letter.claim.open, currency: 'EUR' },
    });
    // EPC069-12 asks for error correction level M; 35 mm scans well from paper.
    const png = await QRCode.toBuffer(payload, {
      type: 'png',
      errorCorrectionLevel: 'M',
      margin: 2,
      scale: 8,
    });
    doc.moveDown().text(t.transfer(letter.transfer), LEFT, undefined, { width: RIGHT - LEFT });
    doc.moveDown(0.4).text(t.giro, LEFT);
    if (doc.y + 40 * MM > doc.page.height - 20 * MM) doc.addPage();
    doc.image(png, LEFT, doc.y + 2 * MM, { width: 35 * MM });
  }
  doc.end();
  return done;
}
