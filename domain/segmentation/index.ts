export * from './types.js';
export {
  segmentationConfigSchema,
  defaultSegmentationConfig,
  ruleOrderSchema,
  SEGMENT_RULE_IDS,
  type SegmentRuleId,
  type SegmentationConfig,
  type SegmentationConfigInput,
} from './config.js';
export {
  assess,
  assessWithRules,
  defaultRules,
  rulesInOrder,
  protectedRule,
  qualityGateRule,
  smallBalanceRule,
  highRiskRule,
  personalRule,
  selfServiceRule,
  assistedRule,
  qualityGate,
  isReachable,
  reachableChannels,
  formatMinorUnits,
  MISSING,
  type SegmentRule,
} from './assess.js';
