import type { Money } from '../domain/money.js';

/** What the portal asks a payment provider for: one payment of the debtor's case. */
export interface PaymentRequest {
  debtorId: string;
  amount: Money;
  locale: 'de' | 'en';
  /** What the debtor's bank statement or card page shows, e.g. "Mahnwerk Demo GmbH: 2 invoices". */
  description: string;
  /** Where the debtor lands after paying (providers that redirect). */
  returnUrl: string;
  /** Where the debtor lands after giving up at the provider. */
  cancelUrl: string;
}

export interface TransferInstructions {
  kind: 'transfer';
  holder: string;
  iban: string;
  bic: string | undefined;
  amount: Money;
  /** Structured creditor reference (ISO 11649). */
  reference: string;
  /** EPC QR code ("GiroCode") as an SVG document. */
  qrSvg: string;
}

export interface Redirect {
  kind: 'redirect';
  url: string;
  /** The provider's id for this attempt (Stripe: the Checkout Session). */
  reference: string;
}

export type PaymentStart = TransferInstructions | Redirect;

/**
 * One way to pay. The payment is recorded later through the same path as the billing API's
 * payments: by billing (bank transfer) or by the provider's verified webhook (card).
 */
export interface PaymentProvider {
  readonly method: 'sepa-transfer' | 'card';
  accepts(currency: string): boolean;
  start(request: PaymentRequest): Promise<PaymentStart>;
}
