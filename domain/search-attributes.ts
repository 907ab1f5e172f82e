import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes that make cases findable in the Web UI. Values never hold personal data. */
export const DunningStatus = defineSearchAttributeKey('DunningStatus', SearchAttributeType.KEYWORD);
export const DunningSegment = defineSearchAttributeKey('DunningSegment', SearchAttributeType.KEYWORD);
export const DunningStep = defineSearchAttributeKey('DunningStep', SearchAttributeType.KEYWORD);
export const StrategyVersion = defineSearchAttributeKey('StrategyVersion', SearchAttributeType.KEYWORD);
/** The experiment variant of the case (champion/challenger); unset outside an experiment. */
export const StrategyVariant = defineSearchAttributeKey('StrategyVariant', SearchAttributeType.KEYWORD);
/**
 * The case's open amount (minor units). Named `AmountDue` from before "openAmount": renaming a search
 * attribute would leave running cases and saved Web UI filters on the old name.
 */
export const AmountDue = defineSearchAttributeKey('AmountDue', SearchAttributeType.INT);
export const DaysPastDue = defineSearchAttributeKey('DaysPastDue', SearchAttributeType.INT);

export const allSearchAttributeKeys = [
  DunningStatus,
  DunningSegment,
  DunningStep,
  StrategyVersion,
  StrategyVariant,
  AmountDue,
  DaysPastDue,
];

/** For `temporal server start-dev --search-attribute` and the operator service. */
export const searchAttributeDefinitions: Record<string, 'Keyword' | 'Int'> = {
  DunningStatus: 'Keyword',
  DunningSegment: 'Keyword',
  DunningStep: 'Keyword',
  StrategyVersion: 'Keyword',
  StrategyVariant: 'Keyword',
  AmountDue: 'Int',
  DaysPastDue: 'Int',
};
