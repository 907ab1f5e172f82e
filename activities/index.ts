import { currentCaseState, stateAfterSend, type CaseState, type ReportedCaseState } from '../domain/case.js';
import { claimTermsFor, defaultCreditorPolicy, type CreditorPolicy } from '../domain/claim/index.js';
import type { CaseEventInput } from '../db/case-events.js';
import { assessmentForReport, storeCaseReport } from '../db/cases.js';
import { loadClaim } from '../db/claim.js';
import { debtorCountry } from '../db/debtors.js';
import { recordEscalation } from '../db/handoffs.js';
import { loadDebtorFacts } from '../db/facts.js';
import { urgentlyIf } from '../db/lanes.js';
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

/** The facts a case decides on, with the segmentation thresholds published when they were read. */
export type Facts = CaseSnapshot & { segmentation?: SegmentationConfig };

/** What the workflow reports: its state and the timeline entries since its last report. */
export interface CaseReport {
  state: CaseState;
  workflowId: string;
  runId: string;
  events: { type: string; summary: string }[];
}

/**
 * A step's report that its send stores: the case waits `nextAfterMs` from the send for its next
 * step, as the state will say.
 */
export interface StepReport extends CaseReport {
  nextAfterMs: number;
}

/** What a send that reported its step brings back: the facts after it and its moment. */
export interface StepReported {
  facts: Facts;
  /** The send's moment (the server's clock), from which the next step's wait counts. */
  at: number;
}

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
     * `urgent` when the case reads them to answer a message (a payment): the database's urgent lane.
     */
    loadCaseSnapshot: ({ debtorId, asOf, urgent }: { debtorId: string; asOf: string; urgent?: boolean }) =>
      urgentlyIf(urgent, () => readFacts(debtorId, new Date(asOf))),

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
      await recordEscalation(
        db,
        {
          escalationKey: input.escalationKey,
          debtorId: input.debtorId,
          handedOver: {
            openAmount: facts.openAmount,
            currency: facts.currency,
            daysPastDue: facts.daysPastDue,
            invoices: facts.openInvoices,
            claim: facts.claim ?? null,
          },
        },
        {
          source: 'workflow',
          type: 'escalated',
          summary: `Handed over to the collection agency: ${facts.openAmount} ${facts.currency ?? ''} in ${facts.openInvoices.length} invoice(s)`,
        },
      );
    },

    /**
     * A task scheduled by workflow code from before the rename still carries `amountDue`. `urgent`
     * as for loadCaseSnapshot: the report that shows a payment's case as paid.
     */
    reportCase: ({
      state,
      urgent,
      ...report
    }: Omit<CaseReport, 'state'> & { state: ReportedCaseState; urgent?: boolean }) =>
      urgentlyIf(urgent, () => storeReport({ ...report, state: currentCaseState(state) })),

    /**
     * Sends one reminder at most once per idempotency key. The facts are re-read right before
     * sending: a payment or opt-out that arrived after the workflow decided wins.
     */
    async sendMessage({
      report,
      ...input
    }: SendMessageInput & { report?: StepReport }): Promise<SendResult & { reported?: StepReported }> {
      // A receipt answers what the debtor just did on the portal: it goes at once, outside the
      // dunning window and caps (consent and opt-out still hold: the send re-reads them).
      const receipt = input.template === 'dispute-received';
      const result = await sendThroughOutbox(input, receipt ? undefined : () => stillAllowed(input));
      if (!report || (result.outcome !== 'sent' && result.outcome !== 'already-sent')) return result;
      return { ...result, reported: await reportStep(report) };
    },
  };

  /**
   * The facts, and the segmentation thresholds published now: a threshold change applies at each
   * case's next re-assessment (histories from before carry no thresholds: the episode's apply).
   */
  async function readFacts(debtorId: string, asOf: Date): Promise<Facts> {
    const [snap, { segmentation }] = await Promise.all([
      loadCaseSnapshot(db, debtorId, asOf, inForce.creditor),
      published(),
    ]);
    return { ...snap, segmentation };
  }

  async function storeReport({ state, workflowId, runId, events }: CaseReport): Promise<void> {
    // Three reads, posted at once: the database (PGlite's thread, PostgreSQL's pool) works them off
    // back to back instead of waiting for each answer to reach this thread.
    const [claim, assessment, waiver] = await Promise.all([
      loadClaim(db, state.debtorId, new Date(), inForce.creditor),
      assessmentForReport(db, state.debtorId, {
        segment: state.segment,
        ruleId: state.ruleId,
        purpose: inForce.strategies[state.segment as SegmentId]?.purpose ?? '',
        reasons: state.reasons,
      }),
      waiverEvent(state, runId),
    ]);
    const claimPaid = claim?.paid ?? null;
    await storeCaseReport(db, { state, workflowId, runId, claimPaid, assessment }, [
      ...(waiver ? [waiver] : []),
      ...events.map((event): CaseEventInput => ({
        debtorId: state.debtorId,
        source: 'workflow',
        type: event.type,
        summary: event.summary,
        data: { status: state.status, openAmount: state.openAmount, currency: state.currency },
      })),
    ]);
  }

  /**
   * A step's message went out: the case as it will wait for its next step is stored with the facts
   * read after the send (so they count the message), and both go back to the workflow, which then
   * neither reads nor reports again (the lean step).
   */
  async function reportStep({ nextAfterMs, ...report }: StepReport): Promise<StepReported> {
    const at = Context.current().info.currentAttemptScheduledTimestampMs;
    const facts = await readFacts(report.state.debtorId, new Date(at));
    const state = stateAfterSend(report.state, facts.snapshot, at, nextAfterMs);
    await storeReport({ ...report, state });
    return { facts, at };
  }

  /**
   * A segment that waives interest and fees (creditor policy: `segments.<segment>.waive`, built in
   * for protected, where a hardship outcome leads) says so in the timeline with its reason: once
   * per episode (run), as the claim shown from then on leaves them out. This is that event, if any.
   */
  async function waiverEvent(state: CaseState, runId: string): Promise<CaseEventInput | undefined> {
    if (!state.currency) return undefined;
    const terms = claimTermsFor(inForce.creditor, {
      segment: state.segment,
      currency: state.currency,
      country: await debtorCountry(db, state.debtorId),
    });
    if (terms.kind !== 'waived') return undefined;
    return {
      debtorId: state.debtorId,
      source: 'workflow',
      type: 'claim-waived',
      summary: `Interest and fees waived: ${terms.reason}`,
      data: { segment: state.segment, reason: terms.reason },
      dedupeKey: `${runId}/claim-waived`,
    };
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
