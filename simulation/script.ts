import { z } from 'zod';
import { CHANNELS } from '../domain/segmentation/index.js';

/**
 * Scripted events of a journey preview: `DAY:KIND[:ARG]`, the day counted from the case's opening.
 *   10:payment:5000      a payment of 5000 minor units
 *   20:promise:+7        a promise to pay 7 days later (the whole open amount)
 *   30:dispute           a dispute (outreach pauses)
 *   40:dispute-resolved  the creditor resolves the dispute, outreach resumes
 *   12:opt-out:sms       the debtor opts out of a channel
 */
export type ScriptedEvent =
  | { day: number; kind: 'payment'; amount: number }
  | { day: number; kind: 'promise'; inDays: number }
  | { day: number; kind: 'dispute' }
  | { day: number; kind: 'dispute-resolved' }
  | { day: number; kind: 'opt-out'; channel: (typeof CHANNELS)[number] };

const day = z.coerce.number().int().min(0).max(3650);
const eventSchema = z.discriminatedUnion('kind', [
  z.object({ day, kind: z.literal('payment'), amount: z.coerce.number().int().positive() }),
  z.object({
    day,
    kind: z.literal('promise'),
    inDays: z
      .string()
      .regex(/^\+\d+$/, 'expected +N, the days from the event to the promised date')
      .transform((text) => Number(text.slice(1))),
  }),
  z.object({ day, kind: z.literal('dispute') }),
  z.object({ day, kind: z.literal('dispute-resolved') }),
  z.object({ day, kind: z.literal('opt-out'), channel: z.enum(CHANNELS) }),
]);

const ARGUMENT_OF: Record<string, string | undefined> = {
  payment: 'amount',
  promise: 'inDays',
  'opt-out': 'channel',
};

export class ScriptError extends Error {}

export const simulateUsage = `simulate <debtor.json> [--days N] [--event DAY:KIND[:ARG]]… [--start YYYY-MM-DD] [--config policy.yaml] [--json]
                        preview a debtor's journey: the real case workflows on Temporal's time-skipping
                        test server, nothing leaves the machine. Events: 10:payment:5000, 20:promise:+7,
                        30:dispute, 40:dispute-resolved, 12:opt-out:sms (day counted from the opening,
                        09:00 debtor time on --start, default tomorrow)`;

/** A wrong `mahnwerk simulate` call: the CLI prints it with the usage. */
export class SimulateUsageError extends Error {}

/** Parses one `--event` value; the error names the value and what was expected. */
export function parseScriptedEvent(text: string): ScriptedEvent {
  const [dayText, kind = '', argument, ...rest] = text.split(':');
  const argName = ARGUMENT_OF[kind];
  const raw: Record<string, unknown> = { day: dayText, kind };
  if (argName) raw[argName] = argument;
  const parsed = eventSchema.safeParse(raw);
  if (!parsed.success || rest.length > 0 || (!argName && argument !== undefined)) {
    const why = parsed.success
      ? 'too many parts'
      : parsed.error.issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; ');
    throw new ScriptError(
      `--event ${text}: ${why} (expected DAY:payment:AMOUNT, DAY:promise:+DAYS, DAY:dispute, DAY:dispute-resolved or DAY:opt-out:CHANNEL)`,
    );
  }
  return parsed.data;
}
