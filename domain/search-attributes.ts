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
/**
 * The due date of the oldest open invoice (midnight UTC): filter `OverdueSince < "…"` for the days
 * past due. Unlike `DaysPastDue` (cases opened before the lean step) it does not change every day.
 */
export const OverdueSince = defineSearchAttributeKey('OverdueSince', SearchAttributeType.DATETIME);

/** The `OverdueSince` value of a due date (YYYY-MM-DD). */
export const overdueSinceValue = (dueDate: string): Date => new Date(`${dueDate}T00:00:00Z`);

export const allSearchAttributeKeys = [
  DunningStatus,
  DunningSegment,
  DunningStep,
  StrategyVersion,
  StrategyVariant,
  AmountDue,
  DaysPastDue,
  OverdueSince,
];

/** For `temporal server start-dev --search-attribute` and the operator service. */
export const searchAttributeDefinitions: Record<string, 'Keyword' | 'Int' | 'Datetime'> = {
  DunningStatus: 'Keyword',
  DunningSegment: 'Keyword',
  DunningStep: 'Keyword',
  StrategyVersion: 'Keyword',
  StrategyVariant: 'Keyword',
  AmountDue: 'Int',
  DaysPastDue: 'Int',
  OverdueSince: 'Datetime',
};
