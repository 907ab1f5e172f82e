export {
  BASE_RATES,
  baseRateOn,
  hasBaseRateFor,
  halfYearStart,
  missingBaseRate,
  type BaseRate,
} from './base-rates.js';
export {
  computeClaim,
  type ClaimBreakdown,
  type ClaimFacts,
  type ClaimInvoice,
  type ClaimLine,
  type ClaimPayment,
} from './compute.js';
export {
  ALLOCATION_PARTS,
  claimRulesSchema,
  claimTermsFor,
  creditorPolicySchema,
  defaultCreditorPolicy,
  type AllocationPart,
  type ClaimRules,
  type ClaimTerms,
  type CreditorPolicy,
} from './rules.js';
export {
  legalNoticesFor,
  rdgFirstDemandInformation,
  regulationFValidationInformation,
  validationPeriodEnd,
  type LegalNotice,
} from './legal-texts.js';
