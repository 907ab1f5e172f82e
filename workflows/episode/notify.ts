import { condition } from '@temporalio/workflow';
import type { Instalment } from '../../domain/payment-plan.js';
import type { Channel } from '../../domain/segmentation/types.js';
import type { MessageTemplate } from '../../domain/strategies/types.js';
import { sendMessageAs } from './activities.js';
import type { Episode } from './state.js';

/**
 * A service message (receipt, plan reminder) on the debtor's digital channels, preferred first.
 * The contact window still applies: outside it the message waits, unless the run ends first.
 */
export function notify(
  ep: Episode,
  template: MessageTemplate,
  key: string,
  label: string,
  instalment?: Instalment,
): void {
  ep.background(async () => {
    const channels: Channel[] = ep.preferredDigital === 'sms' ? ['sms', 'email'] : ['email', 'sms'];
    for (const channel of channels) {
      for (;;) {
        const result = await sendMessageAs(
          channel,
          `${label} (${channel})`,
        )({
          debtorId: ep.debtorId,
          idempotencyKey: `${key}/${channel}`,
          channel,
          template,
          tone: ep.strategy.tone,
          stepLabel: label,
          instalment,
        });
        if (result.outcome === 'sent' || result.outcome === 'already-sent') return;
        if (result.outcome !== 'deferred') break;
        if (
          await condition(() => ep.ending, Math.max(result.until - Date.now(), 1), { summary: result.reason })
        )
          return;
      }
    }
  });
}
