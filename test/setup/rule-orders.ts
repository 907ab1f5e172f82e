import { SEGMENT_RULE_IDS, type SegmentRuleId } from '../../domain/segmentation/config.js';

/** The default order with `personal` moved before `small-balance`: valuable small debtors get a person. */
export const PERSONAL_BEFORE_SMALL_BALANCE: SegmentRuleId[] = SEGMENT_RULE_IDS.filter(
  (id) => id !== 'personal',
).flatMap((id) => (id === 'small-balance' ? ['personal', id] : [id]));
