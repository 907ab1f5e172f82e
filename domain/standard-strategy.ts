import { days } from './dates.js';

/**
 * The single outreach ladder of the foundation: an e-mail as soon as the case opens, a reminder a
 * week later and a last friendly notice after two weeks. Segments replace it with their own strategies.
 */
export interface OutreachStep {
  id: string;
  /** Shown in the Web UI and timeline; never names the debtor. */
  label: string;
  template: 'reminder-1' | 'reminder-2' | 'final-notice';
  afterOpeningMs: number;
}

export const STANDARD_SEGMENT = 'standard';
export const STANDARD_STRATEGY_VERSION = 'standard-v1';

export const standardSteps: readonly OutreachStep[] = [
  { id: 'email-1', label: 'E-mail reminder 1', template: 'reminder-1', afterOpeningMs: 0 },
  { id: 'email-2', label: 'E-mail reminder 2', template: 'reminder-2', afterOpeningMs: days(7) },
  { id: 'email-3', label: 'Final e-mail notice', template: 'final-notice', afterOpeningMs: days(14) },
];
