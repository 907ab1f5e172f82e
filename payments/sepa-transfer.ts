import QRCode from 'qrcode';
import { creditorReference, epcPayload } from '../domain/payments/sepa.js';
import type { PaymentProvider, PaymentRequest, TransferInstructions } from './provider.js';

export interface SepaAccount {
  iban: string;
  bic: string | undefined;
  holder: string;
}

/** Bank transfer to the creditor's account: details, structured reference and a GiroCode. */
export function sepaTransferProvider(account: SepaAccount): PaymentProvider {
  return {
    method: 'sepa-transfer',
    accepts: (currency) => currency === 'EUR',
    async start(request: PaymentRequest): Promise<TransferInstructions> {
      const reference = creditorReference(request.debtorId);
      const details = { ...account, amount: request.amount, reference };
      // EPC069-12 asks for error correction level M.
      const qrSvg = await QRCode.toString(epcPayload(details), {
        type: 'svg',
        errorCorrectionLevel: 'M',
        margin: 2,
      });
      return { kind: 'transfer', ...details, qrSvg };
    },
  };
}
