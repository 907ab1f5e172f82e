import { createHash } from 'node:crypto';
import type { Money } from '../money.js';

/**
 * SEPA credit transfer details for the debtor: IBAN check, the ISO 11649 structured creditor
 * reference ("RF…") and the EPC069-12 payload banking apps read from a QR code ("GiroCode").
 */

/** Letters count as 10…35 in the mod-97 checks of IBAN (ISO 13616) and RF references (ISO 11649). */
function mod97(alphanumeric: string): number {
  let rest = 0;
  for (const ch of alphanumeric.toUpperCase()) {
    const digits = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}

export const normalizeIban = (iban: string): string => iban.replace(/\s+/g, '').toUpperCase();

export function isValidIban(iban: string): boolean {
  const compact = normalizeIban(iban);
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  return mod97(compact.slice(4) + compact.slice(0, 4)) === 1;
}

export const BIC_PATTERN = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/** "DE89 3704 0044 0532 0130 00": how people read and type an IBAN. */
export const formatIban = (iban: string): string => normalizeIban(iban).replace(/(.{4})(?=.)/g, '$1 ');

/**
 * The debtor's structured reference: RF + check digits + 16 characters derived from the debtor id
 * (base 36 of its SHA-256), so billing can compute it for every debtor and match the transfer.
 */
export function creditorReference(debtorId: string): string {
  const body = BigInt(`0x${createHash('sha256').update(debtorId).digest('hex').slice(0, 20)}`)
    .toString(36)
    .toUpperCase()
    .padStart(16, '0')
    .slice(0, 16);
  const check = 98 - mod97(`${body}RF00`);
  return `RF${String(check).padStart(2, '0')}${body}`;
}

export function isValidCreditorReference(reference: string): boolean {
  return /^RF\d{2}[A-Z0-9]{1,21}$/.test(reference) && mod97(reference.slice(4) + reference.slice(0, 4)) === 1;
}

export interface TransferDetails {
  holder: string;
  iban: string;
  bic: string | undefined;
  amount: Money;
  reference: string;
}

/**
 * EPC069-12 version 002, UTF-8, SEPA credit transfer; euros only (SEPA's currency), 0.01 to
 * 999,999,999.99. The structured reference has its own line; the optional lines after it are left out.
 */
export function epcPayload(t: TransferDetails): string {
  if (t.amount.currency !== 'EUR') throw new Error('a GiroCode carries euros only');
  if (t.amount.amount < 1 || t.amount.amount > 99_999_999_999) throw new Error('amount out of range');
  const euros = `EUR${Math.floor(t.amount.amount / 100)}.${String(t.amount.amount % 100).padStart(2, '0')}`;
  return [
    'BCD',
    '002',
    '1',
    'SCT',
    t.bic ?? '',
    t.holder.slice(0, 70),
    normalizeIban(t.iban),
    euros,
    '',
    t.reference,
  ].join('\n');
}
