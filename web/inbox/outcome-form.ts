import { z } from 'zod';
import type { FoundContactData } from '../../db/agent-tasks.js';
import { agentNoteSchema, agentOutcomeSchema, type AgentOutcome } from '../../domain/agent-tasks.js';
import { zonedTimeToEpoch } from '../../domain/contact-policy/index.js';
import { minorUnitDigits } from '../../domain/money.js';
import { phoneSchema } from '../schemas.js';

/** An outcome form as posted: strings, in the debtor's currency and local time. */
const formSchema = z.object({
  kind: z.string(),
  note: agentNoteSchema.optional(),
  date: z.string().optional(),
  amount: z.string().trim().optional(),
  instalments: z.coerce.number().optional(),
  firstDate: z.string().optional(),
  reason: z.string().optional(),
  at: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'pick a date and a time')
    .optional(),
  email: z.union([z.literal(''), z.email()]).optional(),
  phone: z.union([z.literal(''), phoneSchema]).optional(),
  callConsent: z.literal('on').optional(),
  smsConsent: z.literal('on').optional(),
  decision: z.string().optional(),
});

export type ParsedOutcomeForm =
  | { ok: true; outcome: AgentOutcome; note: string | undefined; contactData: FoundContactData | undefined }
  | { ok: false; message: string };

/** "120,50" or "120.5" in EUR → 12050. */
function minorUnits(amount: string, currency: string): number | undefined {
  const match = /^(\d+)(?:[.,](\d+))?$/.exec(amount);
  if (!match) return undefined;
  const digits = minorUnitDigits(currency);
  const fraction = (match[2] ?? '').padEnd(digits, '0');
  if (fraction.length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number(fraction || '0');
}

export function parseOutcomeForm(
  body: unknown,
  debtor: { timezone: string; currency: string | null },
): ParsedOutcomeForm {
  const form = formSchema.safeParse(body);
  if (!form.success) {
    const issue = form.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') ?? 'form'}: ${issue?.message ?? 'invalid'}` };
  }
  const f = form.data;
  let amount: number | undefined;
  if (f.amount) {
    amount = minorUnits(f.amount, debtor.currency ?? 'EUR');
    if (amount === undefined) return { ok: false, message: 'amount: use a number such as 120.50' };
  }
  const at = f.at
    ? new Date(zonedTimeToEpoch(f.at.slice(0, 10), f.at.slice(11), debtor.timezone))
    : undefined;
  const contactData =
    f.email || f.phone
      ? {
          email: f.email || undefined,
          phone: f.phone || undefined,
          callConsent: f.callConsent === 'on',
          smsConsent: f.smsConsent === 'on',
        }
      : undefined;
  const candidate = {
    promise: { kind: 'promise', date: f.date, amount },
    'payment-plan': { kind: 'payment-plan', instalments: f.instalments, firstDate: f.firstDate },
    dispute: { kind: 'dispute', reason: f.reason },
    refuses: { kind: 'refuses' },
    'not-reached': { kind: 'not-reached', reason: f.reason },
    'call-back': { kind: 'call-back', at: at?.toISOString() },
    hardship: { kind: 'hardship' },
    decision: { kind: 'decision', decision: f.decision },
    'data-found': {
      kind: 'data-found',
      channels: [...(f.email ? ['email'] : []), ...(f.phone ? ['phone'] : [])],
    },
  }[f.kind];
  const outcome = agentOutcomeSchema.safeParse(
    candidate && Object.fromEntries(Object.entries(candidate).filter(([, v]) => v !== undefined)),
  );
  if (!outcome.success) {
    const issue = outcome.error.issues[0];
    const field = issue?.path.join('.');
    return { ok: false, message: `${field || 'kind'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, outcome: outcome.data, note: f.note || undefined, contactData };
}
