export { contactPolicyConfigSchema, defaultContactPolicyConfig, defaultContactWindows } from './config.js';
export type {
  ContactPolicyConfig,
  ContactPolicyConfigInput,
  ContactWindow,
  ContactWindows,
} from './config.js';
export { contactWindowFor, decideContact, isPublicHoliday, nextWindowStart } from './policy.js';
export type { ContactDecision, ContactRecord, PolicyFacts } from './policy.js';
export {
  DAY_MS,
  addDays,
  isValidTimeZone,
  offsetMs,
  parseTime,
  toLocal,
  weekdayOf,
  zonedInstants,
  zonedTimeAfter,
  zonedTimeToEpoch,
} from './zoned-time.js';
export type { LocalDateTime } from './zoned-time.js';
