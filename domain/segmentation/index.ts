export * from './types.js';
export {
  segmentationConfigSchema,
  defaultSegmentationConfig,
  type SegmentationConfig,
  type SegmentationConfigInput,
} from './config.js';
export {
  assess,
  assessWithRules,
  defaultRules,
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
