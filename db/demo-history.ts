import type { Database } from './database.js';

/**
 * The demo history (demo/history.ts makes the seed) as it is stored: plain facts, no workflow runs
 * for them. Case rows carry this run id, outbox rows a key and content hash made from it.
 */
const DEMO_HISTORY_RUN_ID = 'demo-history';

export interface SeedCase {
  debtorId: string;
  segment: string;
  strategyVersion: string;
  variant: string | null;
  currency: string;
  status: 'active' | 'paid' | 'written-off' | 'promised';
  /** The open claim (principal + interest + fees − paid), as the case reports it. */
  openAmount: number;
  /** What payments settled of the claim; null for a row from before claims were recorded. */
  claimPaid: number | null;
  openedAt: Date;
  closedAt: Date | null;
  dpdOpen: number | null;
}
export interface SeedPayment {
  id: string;
  debtorId: string;
  currency: string;
  amount: number;
  /** What the payment settled of the invoices' principal (the rest paid interest, fees or is a credit). */
  allocated: number;
  paidAt: Date;
}
export interface SeedEvent {
  debtorId: string;
  at: Date;
  type: string;
  channel?: string;
}
export interface SeedOutbox {
  debtorId: string;
  channel: 'email' | 'sms' | 'letter';
  sentAt: Date | null;
  segments: number | null;
}
export interface SeedTask {
  key: string;
  debtorId: string;
  kind: 'call' | 'dispute-review';
  closedAt: Date;
  callResult: 'attempt' | 'conversation' | null;
  agentId: string | null;
  outcome: Record<string, unknown> | null;
}
export interface SeedPortal {
  debtorId: string;
  at: Date;
  type: 'opened' | 'payment-started' | 'paid';
  channel: string | null;
}
export interface KpiSeed {
  cases: SeedCase[];
  payments: SeedPayment[];
  events: SeedEvent[];
  outbox: SeedOutbox[];
  tasks: SeedTask[];
  portal: SeedPortal[];
  agents: { id: string; name: string }[];
}

/** Writes the seed as facts in one transaction: all of it or nothing. */
export async function insertHistory(database: Database, seed: KpiSeed): Promise<void> {
  await database.transaction().execute(async (db) => {
    await db
      .insertInto('debtors')
      .values(
        seed.cases.map((c) => ({
          id: c.debtorId,
          name: `Demo history ${c.debtorId}`,
          locale: 'de' as const,
          timezone: 'Europe/Berlin',
          country: 'DE',
          preferred_channel: null,
          customer_value: null,
          digital_affinity: null,
          flags: '[]',
          payment_history: '{}',
          attributes: JSON.stringify({ demoHistory: true }),
        })),
      )
      .execute();
    await db
      .insertInto('cases')
      .values(
        seed.cases.map((c) => ({
          debtor_id: c.debtorId,
          workflow_id: `case-${c.debtorId}`,
          run_id: DEMO_HISTORY_RUN_ID,
          status: c.status,
          segment: c.segment,
          strategy_version: c.strategyVersion,
          strategy_variant: c.variant,
          current_step: null,
          next_step: null,
          next_step_at: null,
          open_amount: c.openAmount,
          claim_paid: c.claimPaid,
          currency: c.currency,
          days_past_due: 0,
          days_past_due_at_open: c.dpdOpen,
          opened_at: c.openedAt,
          closed_at: c.closedAt,
        })),
      )
      .execute();
    await db
      .insertInto('payments')
      .values(
        seed.payments.map((p) => ({
          id: p.id,
          debtor_id: p.debtorId,
          invoice_id: null,
          amount: p.amount,
          currency: p.currency,
          paid_at: p.paidAt,
          allocations: JSON.stringify([{ invoiceId: 'inv', amount: p.allocated }]),
        })),
      )
      .execute();
    await db
      .insertInto('case_events')
      .values(
        seed.events.map((e) => ({
          debtor_id: e.debtorId,
          at: e.at,
          source: 'system' as const,
          type: e.type,
          summary: `demo history: ${e.type}`,
          data: JSON.stringify(e.channel ? { channel: e.channel } : {}),
          dedupe_key: null,
        })),
      )
      .execute();
    await db
      .insertInto('outbox')
      .values(
        seed.outbox.map((o, n) => ({
          idempotency_key: `${DEMO_HISTORY_RUN_ID}/${o.debtorId}/${n}`,
          debtor_id: o.debtorId,
          channel: o.channel as 'email',
          template: 'reminder-1',
          locale: 'de',
          recipient: 'demo history',
          content_hash: DEMO_HISTORY_RUN_ID,
          status: o.sentAt ? ('sent' as const) : ('skipped' as const),
          sent_at: o.sentAt,
          segments: o.segments,
        })),
      )
      .execute();
    await db
      .insertInto('agents')
      .values(
        seed.agents.map((a) => ({
          id: a.id,
          email: `${a.id}@history.mahnwerk.test`,
          name: a.name,
          password_hash: 'demo history: no login',
          role: 'agent' as const,
          skills: '[]',
        })),
      )
      .execute();
    await db
      .insertInto('agent_tasks')
      .values(
        seed.tasks.map((t) => ({
          task_key: t.key,
          debtor_id: t.debtorId,
          kind: t.kind,
          label: t.kind,
          required_skills: '[]',
          status: 'done' as const,
          due_at: t.closedAt,
          closed_at: t.closedAt,
          call_result: t.callResult,
          outcome_by: t.agentId,
          outcome: t.outcome ? JSON.stringify(t.outcome) : null,
        })),
      )
      .execute();
    await db
      .insertInto('portal_events')
      .values(
        seed.portal.map((p) => ({
          at: p.at,
          debtor_id: p.debtorId,
          case_opened_at: null,
          segment: null,
          channel: p.channel,
          type: p.type,
          data: '{}',
        })),
      )
      .execute();
  });
}
