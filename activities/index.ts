import { createHash } from 'node:crypto';
import { PermanentEmailError, type Mailer } from '../channels/email/mailer.js';
import { renderEmail } from '../channels/templates.js';
import type { Config } from '../config/env.js';
import type { LinkSigner } from '../channels/links.js';
import type { CaseState } from '../domain/case.js';
import { recordCaseEvent } from '../db/case-events.js';
import type { Database } from '../db/database.js';
import { loadDebtorFacts } from '../db/facts.js';
import { loadCaseSnapshot, type CaseSnapshot } from '../db/snapshot.js';
import {
  decideContact,
  defaultContactPolicyConfig,
  type ContactPolicyConfig,
} from '../domain/contact-policy/index.js';
import { Context } from '@temporalio/activity';
import { defaultSegmentationConfig, type SegmentationConfig } from '../domain/segmentation/config.js';
import type { Channel, SegmentId } from '../domain/segmentation/types.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';
import type { AgentTaskKind, MessageTemplate, Strategy, Tone } from '../domain/strategies/types.js';

/** What an episode runs by: read once when it starts, so it is fixed for the whole episode. */
export interface Policies {
  segmentation: SegmentationConfig;
  contactPolicy: ContactPolicyConfig;
  strategies: Record<SegmentId, Strategy>;
}

export interface ActivityDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'creditor'> & { http: { publicUrl: string }; portalLinkDays: number };
  /** Signs the portal and one-click unsubscribe links each message carries. */
  links: LinkSigner;
  /** Segmentation thresholds and contact policy in force (defaults, or the configuration file). */
  policies?: Policies;
}

export interface SendMessageInput {
  debtorId: string;
  /** (case, episode, step, channel): never the attempt, so a retry finds the same outbox row. */
  idempotencyKey: string;
  channel: Channel;
  template: MessageTemplate;
  /** The strategy's tone; cases started before tones existed send none and read `supportive`. */
  tone?: Tone;
  stepLabel: string;
}

const SKILLS_BY_TASK: Record<AgentTaskKind, string[]> = {
  call: [],
  'data-research': [],
  'protected-review': ['hardship'],
  'escalation-approval': ['legal'],
};

export type SendResult =
  | { outcome: 'sent' | 'already-sent' }
  | { outcome: 'skipped' | 'failed'; reason: string }
  /** The contact policy no longer allows it now (retries ran past the window or a cap): try at `until`. */
  | { outcome: 'deferred'; until: number; reason: string };

/** An opt-out link must keep working long after the message: a year. */
const UNSUBSCRIBE_LINK_DAYS = 365;

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export function createActivities({ db, mailer, config, policies, links }: ActivityDeps) {
  const inForce: Policies = policies ?? {
    segmentation: defaultSegmentationConfig,
    contactPolicy: defaultContactPolicyConfig,
    strategies: defaultStrategies,
  };
  return {
    /** Read once per episode: the episode keeps the policies it started with. */
    async loadPolicies(): Promise<Policies> {
      return inForce;
    },

    async loadCaseSnapshot({ debtorId, asOf }: { debtorId: string; asOf: string }): Promise<CaseSnapshot> {
      return loadCaseSnapshot(db, debtorId, new Date(asOf));
    },

    async createAgentTask(input: {
      debtorId: string;
      taskKey: string;
      kind: AgentTaskKind;
      label: string;
      dueAt: number;
    }): Promise<void> {
      const debtor = await db
        .selectFrom('debtors')
        .select('locale')
        .where('id', '=', input.debtorId)
        .executeTakeFirst();
      await db.transaction().execute(async (trx) => {
        const created = await trx
          .insertInto('agent_tasks')
          .values({
            task_key: input.taskKey,
            debtor_id: input.debtorId,
            kind: input.kind,
            label: input.label,
            required_skills: JSON.stringify([
              `lang:${debtor?.locale ?? 'en'}`,
              ...SKILLS_BY_TASK[input.kind],
            ]),
            status: 'open',
            due_at: new Date(input.dueAt),
          })
          .onConflict((oc) => oc.column('task_key').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (created) {
          await recordCaseEvent(trx, {
            debtorId: input.debtorId,
            source: 'workflow',
            type: 'agent-task-created',
            summary: `Agent task: ${input.label}, due ${new Date(input.dueAt).toISOString()}`,
            data: { kind: input.kind, taskKey: input.taskKey },
          });
        }
      });
    },

    async withdrawAgentTask(input: { debtorId: string; taskKey: string; reason: string }): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const withdrawn = await trx
          .updateTable('agent_tasks')
          .set({ status: 'withdrawn', closed_at: new Date(), close_reason: input.reason })
          .where('task_key', '=', input.taskKey)
          .where('status', 'in', ['open', 'claimed'])
          .returning('label')
          .executeTakeFirst();
        if (withdrawn) {
          await recordCaseEvent(trx, {
            debtorId: input.debtorId,
            source: 'workflow',
            type: 'agent-task-withdrawn',
            summary: `Agent task withdrawn: ${withdrawn.label} (${input.reason})`,
          });
        }
      });
    },

    /** Hands the case data to the external collection agency once, and records what went over. */
    async escalateCase(input: { debtorId: string; escalationKey: string }): Promise<void> {
      const facts = await loadDebtorFacts(db, input.debtorId, new Date());
      await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('escalations')
          .values({
            escalation_key: input.escalationKey,
            debtor_id: input.debtorId,
            handed_over: JSON.stringify({
              openAmount: facts.openAmount,
              currency: facts.currency,
              daysPastDue: facts.daysPastDue,
              invoices: facts.openInvoices,
            }),
          })
          .onConflict((oc) => oc.column('escalation_key').doNothing())
          .returning('escalation_key')
          .executeTakeFirst();
        if (inserted) {
          await recordCaseEvent(trx, {
            debtorId: input.debtorId,
            source: 'workflow',
            type: 'escalated',
            summary: `Handed over to the collection agency: ${facts.openAmount} ${facts.currency ?? ''} in ${facts.openInvoices.length} invoice(s)`,
          });
        }
      });
    },

    async reportCase({
      state,
      workflowId,
      runId,
      events,
    }: {
      state: CaseState;
      workflowId: string;
      runId: string;
      events: { type: string; summary: string }[];
    }): Promise<void> {
      const row = {
        workflow_id: workflowId,
        run_id: runId,
        status: state.status,
        segment: state.segment,
        strategy_version: state.strategyVersion,
        current_step: state.currentStep,
        next_step: state.nextStep,
        next_step_at: state.nextStepAt ? new Date(state.nextStepAt) : null,
        amount_due: state.amountDue,
        currency: state.currency,
        days_past_due: state.daysPastDue,
        opened_at: state.openedAt,
        closed_at: state.closedAt ? new Date(state.closedAt) : null,
        updated_at: new Date(),
      };
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('cases')
          .values({ debtor_id: state.debtorId, ...row })
          .onConflict((oc) => oc.column('debtor_id').doUpdateSet(row))
          .execute();
        for (const event of events) {
          await recordCaseEvent(trx, {
            debtorId: state.debtorId,
            source: 'workflow',
            type: event.type,
            summary: event.summary,
            data: { status: state.status, amountDue: state.amountDue, currency: state.currency },
          });
        }
      });
    },

    /**
     * Sends one reminder at most once per idempotency key. The facts are re-read right before
     * sending: a payment or opt-out that arrived after the workflow decided wins.
     */
    async sendMessage(input: SendMessageInput): Promise<SendResult> {
      const deferral = await stillAllowed(input);
      if (deferral) return deferral;
      if (input.channel !== 'email') {
        const reason = `no ${input.channel === 'sms' ? 'SMS' : 'call'} provider is configured`;
        await recordCaseEvent(db, {
          debtorId: input.debtorId,
          source: 'workflow',
          type: 'contact-skipped',
          summary: `${input.stepLabel} by ${input.channel} skipped: ${reason}`,
          dedupeKey: `${input.idempotencyKey}/skipped`,
        });
        return { outcome: 'skipped', reason };
      }
      return sendEmail(input);
    },
  };

  /**
   * The workflow decided with the contact policy, but a retried activity can run much later: ask the
   * window and the caps again for the moment this attempt was scheduled (the server's clock, which is
   * also the workflow's). Consent, payment and opt-out are re-read by each channel's send.
   */
  async function stillAllowed(input: SendMessageInput): Promise<SendResult | undefined> {
    const now = Context.current().info.currentAttemptScheduledTimestampMs;
    const { snapshot, history } = await loadCaseSnapshot(db, input.debtorId, new Date(now));
    const decision = decideContact(
      input.channel,
      now,
      {
        timezone: snapshot.timezone ?? 'UTC',
        country: snapshot.country,
        channel: snapshot.contactPoints.find((c) => c.channel === input.channel),
        paid: false,
        disputed: false,
        pausedUntil: null,
        operatorPaused: false,
        history,
      },
      inForce.contactPolicy,
    );
    return decision.verdict === 'wait'
      ? { outcome: 'deferred', until: decision.until, reason: decision.reason }
      : undefined;
  }

  async function sendEmail(input: SendMessageInput): Promise<SendResult> {
    const previous = await db
      .selectFrom('outbox')
      .select(['status'])
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirst();
    if (previous && previous.status !== 'pending' && previous.status !== 'sending') {
      return previous.status === 'sent' || previous.status === 'delivered'
        ? { outcome: 'already-sent' }
        : { outcome: 'skipped', reason: `outbox row is ${previous.status}` };
    }

    const facts = await loadDebtorFacts(db, input.debtorId, new Date());
    const skipReason = !facts.debtor
      ? 'debtor unknown'
      : facts.openAmount <= 0
        ? 'nothing is open any more'
        : !facts.email
          ? 'no e-mail address with consent'
          : undefined;
    if (skipReason || !facts.debtor || !facts.email || !facts.currency) {
      const reason = skipReason ?? 'no open amount';
      await recordCaseEvent(db, {
        debtorId: input.debtorId,
        source: 'workflow',
        type: 'contact-skipped',
        summary: `${input.stepLabel} skipped: ${reason}`,
        data: { channel: 'email', step: input.idempotencyKey },
        dedupeKey: `${input.idempotencyKey}/skipped`,
      });
      return { outcome: 'skipped', reason };
    }

    const currency = facts.currency;
    const now = new Date();
    const link = (path: string, token: string) => `${config.http.publicUrl}/${path}/${token}`;
    const portalUrl = link('p', links.issue(input.debtorId, 'portal', now, config.portalLinkDays));
    const listUnsubscribeUrl = link(
      'u',
      links.issue(input.debtorId, 'unsubscribe-email', now, UNSUBSCRIBE_LINK_DAYS),
    );
    const rendered = renderEmail({
      portalUrl,
      unsubscribeUrl: listUnsubscribeUrl,
      template: input.template,
      tone: input.tone ?? 'supportive',
      locale: facts.locale,
      timezone: facts.timezone,
      debtorName: facts.debtor.name,
      total: { amount: facts.openAmount, currency },
      invoices: facts.openInvoices.map((i) => ({
        id: i.id,
        open: { amount: i.open, currency: i.currency },
        dueDate: i.dueDate,
      })),
      creditor: config.creditor,
    });
    // Deterministic: a resend after a crash carries the same Message-ID, so it is recognisable.
    const messageId = `<${sha256(input.idempotencyKey).slice(0, 32)}@mahnwerk>`;
    await db
      .insertInto('outbox')
      .values({
        idempotency_key: input.idempotencyKey,
        debtor_id: input.debtorId,
        channel: 'email',
        template: input.template,
        locale: facts.locale,
        recipient: facts.email,
        content_hash: sha256(rendered.text),
        status: 'sending',
        provider_id: messageId,
      })
      .onConflict((oc) =>
        oc.column('idempotency_key').doUpdateSet({ status: 'sending', updated_at: new Date() }),
      )
      .execute();

    try {
      await mailer.send({ to: facts.email, ...rendered, messageId, listUnsubscribeUrl });
    } catch (error) {
      if (!(error instanceof PermanentEmailError)) throw error;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('outbox')
          .set({ status: 'failed', error: error.message, updated_at: new Date() })
          .where('idempotency_key', '=', input.idempotencyKey)
          .execute();
        await trx
          .updateTable('contact_points')
          .set({ invalid_at: new Date() })
          .where('debtor_id', '=', input.debtorId)
          .where('channel', '=', 'email')
          .execute();
        await recordCaseEvent(trx, {
          debtorId: input.debtorId,
          source: 'workflow',
          type: 'contact-failed',
          summary: `${input.stepLabel} rejected by the mail server (${error.responseCode}); e-mail address marked invalid`,
          data: { channel: 'email', responseCode: error.responseCode },
          dedupeKey: `${input.idempotencyKey}/failed`,
        });
      });
      return { outcome: 'failed', reason: `mail server rejected the address (${error.responseCode})` };
    }

    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('outbox')
        .set({ status: 'sent', sent_at: new Date(), updated_at: new Date() })
        .where('idempotency_key', '=', input.idempotencyKey)
        .execute();
      await recordCaseEvent(trx, {
        debtorId: input.debtorId,
        source: 'workflow',
        type: 'contact-sent',
        summary: `${input.stepLabel} sent by e-mail (${facts.locale})`,
        data: {
          channel: 'email',
          template: input.template,
          locale: facts.locale,
          amount: facts.openAmount,
          currency,
        },
        dedupeKey: `${input.idempotencyKey}/sent`,
      });
    });
    return { outcome: 'sent' };
  }
}
