import { sql } from 'kysely';
import type { CaseState } from '../domain/case.js';
import { claimTermsFor, defaultCreditorPolicy, type CreditorPolicy } from '../domain/claim/index.js';
import { recordCaseEvent } from '../db/case-events.js';
import { assessmentForReport } from '../db/cases.js';
import { loadClaim } from '../db/claim.js';
import { loadDebtorFacts } from '../db/facts.js';
import { loadCaseSnapshot, type CaseSnapshot } from '../db/snapshot.js';
import {
  decideContact,
  defaultContactPolicyConfig,
  type ContactPolicyConfig,
} from '../domain/contact-policy/index.js';
import { Context } from '@temporalio/activity';
import { defaultSegmentationConfig, type SegmentationConfig } from '../domain/segmentation/config.js';
import type { SegmentId } from '../domain/segmentation/types.js';
import { defaultUnitCosts, type UnitCosts } from '../domain/kpis/unit-costs.js';
import { defaultStrategies } from '../domain/strategies/defaults.js';
import type { Strategy } from '../domain/strategies/types.js';
import type { PolicyVersions } from '../config/policy-versions.js';
import { createAgentTaskActivities } from './agent-tasks.js';
import { createSweepActivities } from './sweeps.js';
import { createRetentionActivities, DEFAULT_RETENTION_DAYS } from './retention.js';
import { createWebhookActivities } from './webhooks.js';
import { createHandoffActivities } from './handoffs.js';
import {
  createMessageSender,
  type MessageDeps,
  type SendMessageInput,
  type SendResult,
} from './send-message.js';

export type { SendMessageInput, SendResult } from './send-message.js';

/** What an episode runs by: read once when it starts, so it is fixed for the whole episode. */
export interface Policies {
  segmentation: SegmentationConfig;
  contactPolicy: ContactPolicyConfig;
  strategies: Record<SegmentId, Strategy>;
  /** Interest, fees and payment allocation (domain/claim/). */
  creditor: CreditorPolicy;
  /** Unit costs per currency for the KPIs. */
  costs: UnitCosts;
}

export interface ActivityDeps extends MessageDeps {
  /** Segmentation thresholds and contact policy in force (defaults, or the configuration file). */
  policies?: Policies;
  /** Published policy versions over `policies`; without it `policies` stay in force. */
  policyVersions?: PolicyVersions;
  /** MAHNWERK_RETENTION_DAYS; default 3 years. */
  retentionDays?: number | undefined;
}

export function createActivities(deps: ActivityDeps) {
  const { db, policies } = deps;
  const sendThroughOutbox = createMessageSender({ ...deps, creditorPolicy: policies?.creditor });
  const inForce: Policies = policies ?? {
    segmentation: defaultSegmentationConfig,
    contactPolicy: defaultContactPolicyConfig,
    strategies: defaultStrategies,
    creditor: defaultCreditorPolicy(),
    costs: defaultUnitCosts,
  };
  const published = async (): Promise<Policies> =>
    deps.policyVersions ? (await deps.policyVersions.current()).policies : inForce;
  return {
    /** Read once per episode: the episode keeps the policies it started with. */
    async loadPolicies(): Promise<Policies> {
      return published();
    },

    /**
     * The facts, and the segmentation thresholds published now: a threshold change applies at each
     * case's next re-assessment (histories from before carry no thresholds: the episode's apply).
     */
    async loadCaseSnapshot({
      debtorId,
      asOf,
    }: {
      debtorId: string;
      asOf: string;
    }): Promise<CaseSnapshot & { segmentation?: SegmentationConfig }> {
      const snap = await loadCaseSnapshot(db, debtorId, new Date(asOf), inForce.creditor);
      return { ...snap, segmentation: (await published()).segmentation };
    },

    ...createAgentTaskActivities(db, () => inForce.segmentation.personalMinOpenAmount),

    ...createWebhookActivities(db),

    ...createHandoffActivities(db, deps.config.creditor, () => inForce.creditor),

    ...createSweepActivities(db),

    ...createRetentionActivities(db, deps.retentionDays ?? DEFAULT_RETENTION_DAYS),

    /**
     * Hands the case data to the external collection agency once, and records what went over. Only
     * for cases that decided on a hand-over before packages existed (`handoff-package`).
     */
    async escalateCase(input: { debtorId: string; escalationKey: string }): Promise<void> {
      const facts = await loadDebtorFacts(db, input.debtorId, new Date(), inForce.creditor);
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
              claim: facts.claim ?? null,
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
        strategy_variant: state.variant?.name ?? null,
        experiment_id: state.variant?.experimentId ?? null,
        current_step: state.currentStep,
        next_step: state.nextStep,
        next_step_at: state.nextStepAt ? new Date(state.nextStepAt) : null,
        next_decision_at: state.nextDecisionAt ? new Date(state.nextDecisionAt) : null,
        amount_due: state.amountDue,
        currency: state.currency,
        days_past_due: state.daysPastDue,
        // The KPIs' amount recovered: what payments settled of the whole claim, surplus excluded.
        claim_paid: (await loadClaim(db, state.debtorId, new Date(), inForce.creditor))?.paid ?? null,
        opened_at: state.openedAt,
        closed_at: state.closedAt ? new Date(state.closedAt) : null,
        updated_at: new Date(),
        assessment: JSON.stringify(
          await assessmentForReport(db, state.debtorId, {
            segment: state.segment,
            ruleId: state.ruleId,
            purpose: inForce.strategies[state.segment as SegmentId]?.purpose ?? '',
            reasons: state.reasons,
          }),
        ),
      };
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('cases')
          .values({ debtor_id: state.debtorId, ...row })
          .onConflict((oc) =>
            oc.column('debtor_id').doUpdateSet({
              ...row,
              // Billing recorded the opening a moment before the workflow's first task ran: the
              // earlier instant stands, so a payment in between still counts in the case's claim.
              opened_at: sql<Date>`case when cases.closed_at is null then least(cases.opened_at, excluded.opened_at) else excluded.opened_at end`,
            }),
          )
          .execute();
        await recordWaiver(trx, state, runId);
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
      // A receipt answers what the debtor just did on the portal: it goes at once, outside the
      // dunning window and caps (consent and opt-out still hold: the send re-reads them).
      const receipt = input.template === 'dispute-received';
      return sendThroughOutbox(input, receipt ? undefined : () => stillAllowed(input));
    },
  };

  /**
   * A segment that waives interest and fees (creditor policy: `segments.<segment>.waive`, built in
   * for protected, where a hardship outcome leads) says so in the timeline with its reason: once
   * per episode (run), as the claim shown from then on leaves them out.
   */
  async function recordWaiver(trx: typeof db, state: CaseState, runId: string): Promise<void> {
    if (!state.currency) return;
    const debtor = await trx
      .selectFrom('debtors')
      .select('country')
      .where('id', '=', state.debtorId)
      .executeTakeFirst();
    const terms = claimTermsFor(inForce.creditor, {
      segment: state.segment,
      currency: state.currency,
      country: debtor?.country ?? null,
    });
    if (terms.kind !== 'waived') return;
    await recordCaseEvent(trx, {
      debtorId: state.debtorId,
      source: 'workflow',
      type: 'claim-waived',
      summary: `Interest and fees waived: ${terms.reason}`,
      data: { segment: state.segment, reason: terms.reason },
      dedupeKey: `${runId}/claim-waived`,
    });
  }

  /**
   * The workflow decided with the contact policy, but a retried activity can run much later: ask the
   * window and the caps again for the moment this attempt was scheduled (the server's clock, which is
   * also the workflow's). Consent, payment and opt-out are re-read by each channel's send.
   */
  async function stillAllowed(input: SendMessageInput): Promise<SendResult | undefined> {
    const now = Context.current().info.currentAttemptScheduledTimestampMs;
    const { snapshot, history } = await loadCaseSnapshot(db, input.debtorId, new Date(now), inForce.creditor);
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
}
