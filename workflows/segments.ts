import type { CaseInput, CaseOutcome } from '../domain/case.js';
import { runEpisode } from './case-episode.js';

// One workflow type per segment, so the Web UI shows at a glance what treatment a case gets.
// The names must match `workflowType` in domain/strategies/defaults.ts.
export const protectedCase = (input: CaseInput): Promise<CaseOutcome> => runEpisode('protected', input);
export const dataCollection = (input: CaseInput): Promise<CaseOutcome> =>
  runEpisode('data-collection', input);
export const smallBalanceOutreach = (input: CaseInput): Promise<CaseOutcome> =>
  runEpisode('small-balance', input);
export const selfServiceOutreach = (input: CaseInput): Promise<CaseOutcome> =>
  runEpisode('self-service', input);
export const assistedOutreach = (input: CaseInput): Promise<CaseOutcome> => runEpisode('assisted', input);
export const personalOutreach = (input: CaseInput): Promise<CaseOutcome> => runEpisode('personal', input);
export const highRiskOutreach = (input: CaseInput): Promise<CaseOutcome> => runEpisode('high-risk', input);
