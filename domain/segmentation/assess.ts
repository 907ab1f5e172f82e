import {
  defaultSegmentationConfig,
  SEGMENT_RULE_IDS,
  type SegmentationConfig,
  type SegmentRuleId,
} from './config.js';
import {
  DEBTOR_FLAGS,
  type Assessment,
  type Channel,
  type ContactPointState,
  type DebtorFlag,
  type DebtorSnapshot,
  type SegmentId,
} from './types.js';

/**
 * Segmentation: ordered, plain-language rules over a snapshot, first match wins. Pure and
 * deterministic (no I/O, no clock, no Intl), so workflows can call it directly.
 */
export interface SegmentRule {
  id: SegmentRuleId;
  segment: SegmentId;
  /** Plain language: what the rule is for and why it sits where it does. */
  purpose: string;
  /** The facts that made the rule match, with their values; null when it does not match. */
  matches(s: DebtorSnapshot, c: SegmentationConfig): string[] | null;
}

/** The items the quality gate can miss, as they appear in `Assessment.missingData`. */
export const MISSING = {
  locale: 'locale',
  timezone: 'time zone',
  channel: 'a reachable channel (e-mail, SMS or phone with consent, or a valid postal address)',
} as const;

const channelNames: Record<Channel, string> = {
  email: 'e-mail',
  sms: 'SMS',
  call: 'phone',
  letter: 'letter',
};

/** Minor units as a plain decimal with two digits: 1200 → "12.00", -5 → "-0.05". */
export function formatMinorUnits(amount: number): string {
  if (!Number.isFinite(amount)) return String(amount);
  const units = Math.round(Math.abs(amount));
  const sign = amount < 0 && units !== 0 ? '-' : '';
  return `${sign}${Math.floor(units / 100)}.${String(units % 100).padStart(2, '0')}`;
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

function count(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** A contact point the product may use: consent given, not opted out, not known to be invalid. */
export function isReachable(point: ContactPointState): boolean {
  return point.consent && !point.optedOut && !point.invalid;
}

export function reachableChannels(s: DebtorSnapshot): Channel[] {
  const channels = new Set<Channel>();
  for (const point of s.contactPoints) if (isReachable(point)) channels.add(point.channel);
  return [...channels];
}

/** What the quality gate misses, in plain words; empty when the snapshot is good enough to contact. */
export function qualityGate(s: DebtorSnapshot): string[] {
  const missing: string[] = [];
  if (s.locale !== 'de' && s.locale !== 'en') missing.push(MISSING.locale);
  if (!s.timezone?.trim()) missing.push(MISSING.timezone);
  if (!s.contactPoints.some(isReachable)) missing.push(MISSING.channel);
  return missing;
}

function protectionFlags(s: DebtorSnapshot): DebtorFlag[] {
  return s.flags.length === 0 ? [] : DEBTOR_FLAGS.filter((flag) => s.flags.includes(flag));
}

function unreachableReason(s: DebtorSnapshot): string {
  if (s.contactPoints.length === 0) return 'no reachable channel: no contact point';
  const states = s.contactPoints.map((point) => {
    const why = [
      !point.consent && 'without consent',
      point.optedOut && 'opted out',
      point.invalid && 'invalid',
    ];
    return `${channelNames[point.channel]} ${why.filter(Boolean).join(' and ')}`;
  });
  return `no reachable channel: ${states.join(', ')}`;
}

/** Broken promises and days past due, described; empty when neither reaches its threshold. */
function highRiskSignals(s: DebtorSnapshot, c: SegmentationConfig): string[] {
  const signals: string[] = [];
  const inCase = s.brokenPromisesInCase;
  const broken = (s.paymentHistory.brokenPromises ?? 0) + inCase;
  if (broken >= c.highRiskBrokenPromises) {
    const detail = inCase > 0 ? `, ${inCase} in this case` : '';
    signals.push(`${count(broken, 'broken promise')}${detail} (threshold ${c.highRiskBrokenPromises})`);
  }
  if (s.daysPastDue >= c.highRiskDaysPastDue) {
    signals.push(`${count(s.daysPastDue, 'day')} past due (threshold ${c.highRiskDaysPastDue})`);
  }
  return signals;
}

/** Why self-service fits, or why not (`fits: false`), in plain words. */
function selfServiceFit(s: DebtorSnapshot, c: SegmentationConfig): { fits: boolean; reasons: string[] } {
  const signals: string[] = [];
  if (s.digitalAffinity === 'high') signals.push('high digital affinity');
  if (s.portalVisits > 0) signals.push(`${count(s.portalVisits, 'portal visit')} in this case`);
  if (s.preferredChannel === 'portal') signals.push('prefers the portal');

  const rate = s.paymentHistory.onTimeRate;
  const minimum = percent(c.selfServiceMinOnTimeRate);
  const reliable = rate === undefined || rate >= c.selfServiceMinOnTimeRate;
  const digital = reachableChannels(s).filter((channel) => channel === 'email' || channel === 'sms');

  if (signals.length > 0 && reliable && digital.length > 0) {
    return {
      fits: true,
      reasons: [
        ...signals,
        rate === undefined
          ? 'no on-time rate on record'
          : `on-time rate ${percent(rate)} (minimum ${minimum})`,
        `reachable by ${digital.map((channel) => channelNames[channel]).join(' and ')}`,
      ],
    };
  }
  const against: string[] = [];
  if (signals.length === 0)
    against.push(`digital affinity ${s.digitalAffinity ?? 'unknown'}, no portal visits`);
  if (rate !== undefined && !reliable) {
    against.push(`on-time rate ${percent(rate)} below self-service minimum ${minimum}`);
  }
  if (digital.length === 0) against.push('no reachable e-mail or SMS');
  return { fits: false, reasons: against };
}

export const protectedRule: SegmentRule = {
  id: 'protected',
  segment: 'protected',
  purpose:
    'Takes debtors flagged vulnerable, hardship, insolvency, deceased or legal hold out of ordinary dunning. ' +
    'Checked first, before the quality gate: protection must never depend on data quality.',
  matches: (s) => {
    const flags = protectionFlags(s);
    return flags.length > 0 ? flags.map((flag) => `flagged ${flag}`) : null;
  },
};

export const qualityGateRule: SegmentRule = {
  id: 'quality-gate',
  segment: 'data-collection',
  purpose:
    'Holds back outreach until the product knows how to address the debtor: a locale, a time zone and at ' +
    'least one channel with consent that is neither opted out nor invalid. The missing items are listed.',
  matches: (s) => {
    const missing = qualityGate(s);
    if (missing.length === 0) return null;
    return missing.map((item) => (item === MISSING.channel ? unreachableReason(s) : `no ${item}`));
  },
};

export const smallBalanceRule: SegmentRule = {
  id: 'small-balance',
  segment: 'small-balance',
  purpose:
    'Keeps tiny balances on a cheap, low-touch track where the cost of chasing would exceed the debt. ' +
    'It comes before high-risk so a small amount is never escalated just for being small, but it yields ' +
    'whenever a high-risk signal is present (broken promises, long overdue): a debtor who breaks promises ' +
    'cannot hide below the threshold. With that exclusion, small-balance and high-risk never both match, ' +
    'so swapping the two rules changes no outcome.',
  matches: (s, c) => {
    if (s.openAmount > c.smallBalanceMax || highRiskSignals(s, c).length > 0) return null;
    const relation = s.openAmount < c.smallBalanceMax ? 'below' : 'at';
    return [
      `open ${formatMinorUnits(s.openAmount)} ${relation} small-balance threshold ${formatMinorUnits(c.smallBalanceMax)}`,
      'no high-risk signal',
    ];
  },
};

export const highRiskRule: SegmentRule = {
  id: 'high-risk',
  segment: 'high-risk',
  purpose:
    'Firmer, closely watched handling for debtors who broke promises (history plus the running case) or ' +
    'are long overdue. It comes before personal: a broken promise outweighs customer value or amount, so ' +
    'an A-customer who broke promises is high-risk.',
  matches: (s, c) => {
    const signals = highRiskSignals(s, c);
    return signals.length > 0 ? signals : null;
  },
};

export const personalRule: SegmentRule = {
  id: 'personal',
  segment: 'personal',
  purpose:
    'A person handles valuable customers, large open amounts and debtors who prefer a phone call. ' +
    'It comes before self-service: an important account gets a person even if it would use the portal.',
  matches: (s, c) => {
    const reasons: string[] = [];
    if (s.customerValue && c.personalCustomerValues.includes(s.customerValue)) {
      reasons.push(`customer value ${s.customerValue}`);
    }
    if (s.openAmount >= c.personalMinOpenAmount) {
      reasons.push(
        `open ${formatMinorUnits(s.openAmount)} at or above personal threshold ${formatMinorUnits(c.personalMinOpenAmount)}`,
      );
    }
    if (s.preferredChannel === 'call') reasons.push('prefers a phone call');
    return reasons.length > 0 ? reasons : null;
  },
};

export const selfServiceRule: SegmentRule = {
  id: 'self-service',
  segment: 'self-service',
  purpose:
    'Digital debtors who pay reliably (or have no history yet) get links to pay and arrange themselves: ' +
    'high digital affinity, portal visits or a portal preference, an on-time rate at or above the minimum ' +
    'or none on record, and a reachable e-mail or SMS to send the link to.',
  matches: (s, c) => {
    const fit = selfServiceFit(s, c);
    return fit.fits ? fit.reasons : null;
  },
};

export const assistedRule: SegmentRule = {
  id: 'assisted',
  segment: 'assisted',
  purpose:
    'The fallback: standard guided outreach for everyone no earlier rule took. The reasons say why ' +
    'self-service did not fit.',
  matches: (s, c) => ['no specific track matched', ...selfServiceFit(s, c).reasons],
};

/** The rules in order; the first that matches decides. `assisted` always matches. */
export const defaultRules: readonly SegmentRule[] = Object.freeze([
  protectedRule,
  qualityGateRule,
  smallBalanceRule,
  highRiskRule,
  personalRule,
  selfServiceRule,
  assistedRule,
]);

/** Runs `rules` in order; the first match decides. Falls back to `assisted` if none matches. */
export function assessWithRules(
  rules: readonly SegmentRule[],
  snapshot: DebtorSnapshot,
  config: SegmentationConfig = defaultSegmentationConfig,
): Assessment {
  for (const rule of rules) {
    const reasons = rule.matches(snapshot, config);
    if (reasons) {
      return decision(rule.segment, rule.id, reasons.length > 0 ? reasons : [`rule ${rule.id} matched`]);
    }
  }
  return decision('assisted', 'assisted', ['no rule matched']);

  function decision(segment: SegmentId, ruleId: string, reasons: string[]): Assessment {
    return {
      segment,
      ruleId,
      reasons,
      // Only a failed gate reports missing data: a protected debtor is not asked for data.
      missingData: segment === 'data-collection' ? qualityGate(snapshot) : [],
      strategy: { id: segment, version: config.strategyVersions?.[segment] ?? `${segment}-v1` },
    };
  }
}

const rulesById = new Map(defaultRules.map((rule) => [rule.id, rule]));

/**
 * The rules in the configured order. A configuration carried from before rule order existed (a
 * running case's history) has none and keeps the default order.
 */
export function rulesInOrder(order: readonly SegmentRuleId[] = SEGMENT_RULE_IDS): SegmentRule[] {
  return order.map((id) => rulesById.get(id)!);
}

/** The segment of one debtor, with the rule that decided and the facts behind it. */
export function assess(
  snapshot: DebtorSnapshot,
  config: SegmentationConfig = defaultSegmentationConfig,
): Assessment {
  return assessWithRules(rulesInOrder(config.ruleOrder), snapshot, config);
}
