import { z } from 'zod';

/**
 * What an API key may do: `billing` writes debtors, invoices and payments; `read` reads cases and
 * figures; `agent-api` works agent tasks; `manager` steers strategies (experiments, policies) and
 * reads the KPIs; `admin` manages webhooks, reads the audit log, exports and erases debtors, and
 * steers as well.
 */
export const API_SCOPES = ['billing', 'read', 'agent-api', 'manager', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const apiScopeListSchema = z
  .array(z.enum(API_SCOPES))
  .min(1, `name at least one scope of ${API_SCOPES.join(', ')}`);
