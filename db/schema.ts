import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AgentRole } from '../domain/agents.js';
import type { WebhookEventType } from '../domain/webhooks.js';
import type { PostalAddress } from '../domain/postal-address.js';
import type { FieldChange } from '../domain/policy-changes.js';
import type { HandoffPackage, HandoffStatus } from '../domain/handoff.js';
import type { ExperimentStatus, ExperimentVariant } from '../domain/experiments/experiment.js';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  created_at: CreatedAt;
  revoked_at: Date | null;
  /** ApiScope[] (domain/api-scopes.ts). */
  scopes: ColumnType<string[], string | undefined, string>;
  last_used_at: Date | null;
}

export interface PaymentHistoryJson {
  onTimeRate?: number;
  brokenPromises?: number;
  previousCases?: number;
}

export interface DebtorsTable {
  id: string;
  name: string;
  locale: 'de' | 'en';
  timezone: string;
  country: string | null;
  preferred_channel: string | null;
  customer_value: 'A' | 'B' | 'C' | null;
  digital_affinity: 'high' | 'medium' | 'low' | null;
  flags: Json<string[]>;
  payment_history: Json<PaymentHistoryJson>;
  attributes: Json<Record<string, unknown>>;
  /** flag → who set it (billing, agent, debtor, system); see domain/field-ownership.ts. */
  flag_sources: ColumnType<Record<string, string>, string | undefined, string>;
  preferred_channel_source: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** § 288 BGB: the interest margin and the flat fee depend on it. */
  debtor_type: ColumnType<
    'consumer' | 'business',
    'consumer' | 'business' | undefined,
    'consumer' | 'business'
  >;
  /** Where letters go; validated by domain/postal-address.ts. */
  postal_address: ColumnType<PostalAddress | null, string | null | undefined, string | null>;
  /** Set by a GDPR erasure: the row is a pseudonym kept for accounting. */
  erased_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type ContactChannel = 'email' | 'sms' | 'call';

/** One row per debtor and channel: where to reach them and whether we may. */
export interface ContactPointsTable {
  debtor_id: string;
  channel: ContactChannel;
  address: string;
  consent: boolean;
  opted_out_at: Date | null;
  invalid_at: Date | null;
  /** Who gave or withheld the consent; null: billing. */
  consent_source: ColumnType<string | null, string | null | undefined, string | null>;
  updated_at: UpdatedAt;
}

export interface InvoicesTable {
  debtor_id: string;
  id: string;
  currency: string;
  amount_due: number;
  amount_paid: ColumnType<number, number | undefined, number>;
  due_date: ColumnType<string, string, string>;
  issued_at: ColumnType<Date, Date | string, Date | string>;
  /** Set when billing withdrew the claim; `withdrawn_amount` is what was still open then. */
  withdrawn_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  withdrawn_amount: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PaymentsTable {
  id: string;
  debtor_id: string;
  invoice_id: string | null;
  amount: number;
  currency: string;
  paid_at: ColumnType<Date, Date | string, never>;
  /** How the amount was applied: [{ invoiceId, amount }]; whatever is left is a credit. */
  allocations: Json<{ invoiceId: string; amount: number }[]>;
  created_at: CreatedAt;
}

export type CaseStatus =
  | 'active'
  | 'paused'
  | 'promised'
  | 'disputed'
  | 'payment-plan'
  | 'paid'
  | 'escalated'
  | 'written-off'
  | 'cancelled';

/** What the case workflow last reported; the API reads cases from here. */
export interface CasesTable {
  debtor_id: string;
  workflow_id: string;
  run_id: string;
  status: CaseStatus;
  segment: string;
  strategy_version: string;
  current_step: string | null;
  next_step: string | null;
  next_step_at: Date | null;
  /** When the case decides next at the latest; null once closed and for rows older than 0040. */
  next_decision_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The case's open amount as last reported (renamed from `amount_due` by 0091). */
  open_amount: number;
  currency: string | null;
  days_past_due: number;
  opened_at: ColumnType<Date, Date | string, Date | string>;
  closed_at: Date | null;
  updated_at: UpdatedAt;
  /** Where the case started, for roll rates; null for rows from before migration 0030. */
  days_past_due_at_open: ColumnType<number | null, number | null | undefined, number | null>;
  /** The experiment variant the case was assigned at opening; null outside an experiment. */
  strategy_variant: ColumnType<string | null, string | null | undefined, string | null>;
  /** The experiment of `strategy_variant` (0060). */
  experiment_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** What payments settled of the case's claim at its last report (0075); null for older rows. */
  claim_paid: ColumnType<number | null, number | null | undefined, number | null>;
  /** The latest assessment: why the case is in its segment (null for rows older than 0010). */
  assessment: ColumnType<StoredAssessment | null, string | null | undefined, string | null>;
}

export interface StoredAssessment {
  segment: string;
  ruleId: string;
  purpose: string;
  reasons: string[];
  missingData: string[];
  assessedAt: string;
}

export type EventSource =
  | 'api'
  | 'workflow'
  | 'portal'
  | 'agent'
  | 'operator'
  | 'system'
  /** The debtor's own reply, e.g. an SMS keyword. */
  | 'debtor'
  /** A delivery report from an e-mail or SMS provider. */
  | 'provider';

export interface CaseEventsTable {
  id: Generated<number>;
  debtor_id: string;
  /** Never changed in production; a journey simulation re-dates events to its simulated clock. */
  at: ColumnType<Date, Date | string | undefined, Date>;
  source: EventSource;
  type: string;
  /** Human-readable line for the timeline; never contains contact data. */
  summary: string;
  data: Json<Record<string, unknown>>;
  /** Makes an event written by a retried activity land once. */
  dedupe_key: string | null;
}

export type OutboxStatus =
  'pending' | 'sending' | 'sent' | 'delivered' | 'failed' | 'bounced' | 'undelivered' | 'skipped';

export interface OutboxTable {
  id: Generated<number>;
  idempotency_key: string;
  debtor_id: string;
  channel: ContactChannel | 'letter';
  template: string;
  locale: string;
  recipient: string;
  content_hash: string;
  status: OutboxStatus;
  provider_id: string | null;
  error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  sent_at: Date | null;
  /** SMS only: GSM-7/UCS-2 segments billed. */
  segments: number | null;
  delivered_at: Date | null;
  /** The text sent (a data subject's access request shows it); null after an erasure. */
  content: ColumnType<string | null, string | null | undefined, string | null>;
}

export type AgentTaskStatus = 'open' | 'claimed' | 'done' | 'withdrawn';

export interface AgentTasksTable {
  id: Generated<number>;
  /** (case, episode, step): a retried activity finds the same task. */
  task_key: string;
  debtor_id: string;
  kind: string;
  label: string;
  required_skills: Json<string[]>;
  status: AgentTaskStatus;
  due_at: ColumnType<Date, Date | string, Date | string>;
  created_at: CreatedAt;
  closed_at: Date | null;
  close_reason: string | null;
  /** 0–100, higher first. */
  priority: ColumnType<number, number | undefined, number>;
  /** What the agent must find out. */
  question: ColumnType<string, string | undefined, string>;
  claimed_by: ColumnType<string | null, string | null | undefined, string | null>;
  claimed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  outcome: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  outcome_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** A call's result for the contact policy's caps. */
  call_result: ColumnType<
    'attempt' | 'conversation' | null,
    'attempt' | 'conversation' | null | undefined,
    'attempt' | 'conversation' | null
  >;
}

export interface AgentsTable {
  id: string;
  email: string;
  name: string;
  /** scrypt$N$r$p$salt$hash (see web/inbox/passwords.ts). */
  password_hash: string;
  role: AgentRole;
  skills: Json<string[]>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AgentSessionsTable {
  /** SHA-256 of the session id in the cookie. */
  id_hash: string;
  agent_id: string;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

/** A failed staff login (the login throttle's count, shared by every API process). */
export interface LoginFailuresTable {
  id: Generated<number>;
  /** The e-mail address tried, lower-cased. */
  account: string;
  ip: string;
  failed_at: ColumnType<Date, Date | string, never>;
  /** Set when the account logged in successfully: no longer counts for the account, still for the address. */
  cleared_at: ColumnType<Date | null, never, Date | string>;
}

export interface EscalationsTable {
  escalation_key: string;
  debtor_id: string;
  handed_over: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

/** A hand-over to a collection agency (db/handoffs.ts): the package as delivered, the agency's answers. */
export interface HandoffsTable {
  handoff_key: string;
  debtor_id: string;
  status: HandoffStatus;
  package: Json<HandoffPackage>;
  collected_amount: Generated<number>;
  reason: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  accepted_at: Date | null;
  ended_at: Date | null;
}

export const PORTAL_EVENT_TYPES = [
  'opened',
  'payment-started',
  'paid',
  'plan',
  'promise',
  'dispute',
  'preferences',
  'call-back',
] as const;
export type PortalEventType = (typeof PORTAL_EVENT_TYPES)[number];

/** One thing a debtor did on the portal; the funnel per segment and channel is counted from these. */
export interface PortalEventsTable {
  id: Generated<number>;
  at: ColumnType<Date, Date | string | undefined, never>;
  debtor_id: string;
  /** Tells one case of the debtor from the next. */
  case_opened_at: Date | null;
  segment: string | null;
  /** The channel whose message carried the link (email, sms), when the link said so. */
  channel: string | null;
  type: PortalEventType;
  /** Amounts, methods, outcomes; never contact data. */
  data: Json<Record<string, unknown>>;
}

export type WebhookSubscriptionStatus = 'active' | 'disabled' | 'deleted';

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  events: Json<string[]>;
  description: string | null;
  /** whsec_…: the receiver needs it to verify; shown once when the subscription is created. */
  secret: string;
  status: ColumnType<
    WebhookSubscriptionStatus,
    WebhookSubscriptionStatus | undefined,
    WebhookSubscriptionStatus
  >;
  disabled_reason: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'discarded';

/** One event for one subscription; `message_id` is the `webhook-id` of every attempt. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  message_id: string;
  subscription_id: string;
  case_event_id: number;
  debtor_id: string;
  type: WebhookEventType;
  payload: Json<Record<string, unknown>>;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  last_status_code: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
}

/** A debtor's payload data key, wrapped by the master key `master_key_id`. */
export interface PayloadDataKeysTable {
  debtor_id: string;
  master_key_id: string;
  wrapped_key: string;
  created_at: CreatedAt;
}

/** A free-text note, referenced from workflow messages as `[note:<id>]`. */
export interface NotesTable {
  id: Generated<number>;
  debtor_id: string;
  text: string;
  created_at: CreatedAt;
}

/** Append-only (a trigger refuses UPDATE and DELETE); see db/audit.ts. */
export interface AuditLogTable {
  id: Generated<number>;
  at: ColumnType<Date, Date | string | undefined, never>;
  actor: string;
  action: string;
  debtor_id: string | null;
  route: string | null;
  detail: Json<Record<string, unknown>>;
}

export interface DatabaseSchema {
  audit_log: AuditLogTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  notes: NotesTable;
  payload_data_keys: PayloadDataKeysTable;
  agents: AgentsTable;
  agent_sessions: AgentSessionsTable;
  login_failures: LoginFailuresTable;
  portal_events: PortalEventsTable;
  agent_tasks: AgentTasksTable;
  escalations: EscalationsTable;
  handoffs: HandoffsTable;
  api_keys: ApiKeysTable;
  debtors: DebtorsTable;
  contact_points: ContactPointsTable;
  invoices: InvoicesTable;
  payments: PaymentsTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  outbox: OutboxTable;
  experiments: ExperimentsTable;
  policy_versions: PolicyVersionsTable;
  policy_drafts: PolicyDraftsTable;
}

export interface ExperimentsTable {
  id: string;
  segment: string;
  variants: Json<ExperimentVariant[]>;
  starts_at: Date | null;
  ends_at: Date | null;
  status: ColumnType<ExperimentStatus, ExperimentStatus | undefined, ExperimentStatus>;
  created_by: string;
  created_at: CreatedAt;
  stopped_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  promoted_variant: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Version 1 on; the policy file is version 0. `document` is the policy file's schema, parsed. */
export interface PolicyVersionsTable {
  version: number;
  document: Json<unknown>;
  created_by: string;
  created_at: CreatedAt;
  /** The changed fields: [{ path, from, to }]. */
  changes: Json<FieldChange[]>;
  reason: string;
}

export interface PolicyDraftsTable {
  id: string;
  document: Json<unknown>;
  /** The version the draft was edited from. */
  based_on: number;
  updated_by: string;
  updated_at: UpdatedAt;
}

export type DebtorRow = Selectable<DebtorsTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type CaseRow = Selectable<CasesTable>;
export type CaseEventRow = Selectable<CaseEventsTable>;
export type AgentRow = Selectable<AgentsTable>;
export type AgentTaskRow = Selectable<AgentTasksTable>;
export type NewCaseEvent = Insertable<CaseEventsTable>;
