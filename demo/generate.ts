import { daysPastDue, localDate } from '../domain/dates.js';
import { assess } from '../domain/segmentation/assess.js';
import {
  DEBTOR_FLAGS,
  SEGMENTS,
  type ContactPointState,
  type DebtorFlag,
  type DebtorSnapshot,
  type SegmentId,
} from '../domain/segmentation/types.js';
import type { DebtorBody, InvoiceBody } from '../web/schemas.js';

/**
 * Synthetic demo debtors with overdue invoices: seeded and deterministic (same seed, count and
 * `now` → the same data), realistic enough to read in the Web UI, and covering every segment.
 * Names are invented, e-mails are on the reserved example.com/example.org domains and phone
 * numbers come from fictional ranges where a country has one (US 555-01xx, UK 07700 900xxx).
 */

export interface DemoInvoice {
  invoiceId: string;
  /** The body of PUT /v1/debtors/{debtorId}/invoices/{invoiceId}. */
  body: InvoiceBody;
}

export interface DemoDebtor {
  debtorId: string;
  /** The body of PUT /v1/debtors/{debtorId}. */
  profile: DebtorBody;
  /** Oldest first: the case opens with the oldest invoice. */
  invoices: DemoInvoice[];
  /** What `assess()` with the default thresholds says once all invoices are recorded. */
  expectedSegment: SegmentId;
}

export interface DemoOptions {
  seed: number;
  count: number;
  now: Date;
}

const DAY_MS = 86_400_000;

/** mulberry32: a tiny, good-enough 32-bit PRNG; floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [item, weight] of items) {
      roll -= weight;
      if (roll < 0) return item;
    }
    return this.pick(items)[0];
  }
  digits(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += String(this.int(0, 9));
    return out;
  }
}

type Locale = 'de' | 'en';

interface Region {
  timezone: string;
  country: string;
  locale: Locale;
  currency: string;
  weight: number;
  phone(r: Random): string;
}

const REGIONS: readonly Region[] = [
  {
    timezone: 'Europe/Berlin',
    country: 'DE',
    locale: 'de',
    currency: 'EUR',
    weight: 9,
    phone: (r) => `+4915${r.pick(['1', '2', '7', '9'])}${r.digits(8)}`,
  },
  {
    timezone: 'Europe/Vienna',
    country: 'AT',
    locale: 'de',
    currency: 'EUR',
    weight: 3,
    phone: (r) => `+43664${r.digits(7)}`,
  },
  {
    timezone: 'Europe/London',
    country: 'GB',
    locale: 'en',
    currency: 'GBP',
    weight: 3,
    phone: (r) => `+447700900${r.digits(3)}`,
  },
  {
    timezone: 'America/New_York',
    country: 'US',
    locale: 'en',
    currency: 'USD',
    weight: 2,
    phone: (r) => `+1${r.pick(['212', '646', '718', '617'])}55501${r.digits(2)}`,
  },
  {
    timezone: 'America/Los_Angeles',
    country: 'US',
    locale: 'en',
    currency: 'USD',
    weight: 2,
    phone: (r) => `+1${r.pick(['213', '310', '415', '206'])}55501${r.digits(2)}`,
  },
  {
    timezone: 'Australia/Sydney',
    country: 'AU',
    locale: 'en',
    currency: 'EUR',
    weight: 1,
    phone: (r) => `+6149157${r.digits(4)}`,
  },
  {
    timezone: 'Pacific/Auckland',
    country: 'NZ',
    locale: 'en',
    currency: 'EUR',
    weight: 1,
    phone: (r) => `+6421${r.digits(7)}`,
  },
];

const NAMES: Record<Locale, { first: readonly string[]; last: readonly string[] }> = {
  de: {
    first: [
      'Lena',
      'Jonas',
      'Mia',
      'Lukas',
      'Hannah',
      'Felix',
      'Emma',
      'Leon',
      'Sophie',
      'Paul',
      'Marie',
      'Jürgen',
      'Sabine',
      'Katrin',
      'Tobias',
      'Björn',
      'Jörg',
      'Ülkü',
      'Anja',
      'Matthias',
    ],
    last: [
      'Schäfer',
      'Becker',
      'Müller',
      'Schmidt',
      'Schneider',
      'Fischer',
      'Weber',
      'Wagner',
      'Hoffmann',
      'Koch',
      'Richter',
      'Krüger',
      'Weiß',
      'Gruber',
      'Huber',
      'Pichler',
      'Steiner',
      'Yılmaz',
      'Öztürk',
      'Kowalski',
    ],
  },
  en: {
    first: [
      'Olivia',
      'James',
      'Amelia',
      'Oliver',
      'Isla',
      'George',
      'Ava',
      'Noah',
      'Emily',
      'Jack',
      'Charlotte',
      'Harry',
      'Grace',
      'William',
      'Chloe',
      'Ethan',
      'Aroha',
      'Priya',
      'Mateo',
      'Siobhan',
    ],
    last: [
      'Brown',
      'Wilson',
      'Smith',
      'Johnson',
      'Taylor',
      'Davies',
      'Evans',
      'Roberts',
      'Walker',
      'Wright',
      'Thompson',
      'White',
      'Harris',
      'Clarke',
      "O'Connor",
      'Nguyen',
      'Patel',
      'García',
      'Ngata',
      'MacLeod',
    ],
  },
};

/** "Jürgen Weiß" → "juergen.weiss": ASCII for the e-mail local part. */
function mailName(name: string): string {
  return name
    .toLowerCase()
    .replaceAll('ä', 'ae')
    .replaceAll('ö', 'oe')
    .replaceAll('ü', 'ue')
    .replaceAll('ß', 'ss')
    .replaceAll('ı', 'i')
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
}

/** The segment each of the first debtors is built for, so any count ≥ 7 covers all of them. */
const COVERAGE: readonly SegmentId[] = SEGMENTS;

/** The mix of the remaining debtors: most are ordinary assisted or self-service cases. */
const MIX: readonly (readonly [SegmentId, number])[] = [
  ['assisted', 30],
  ['self-service', 20],
  ['personal', 12],
  ['small-balance', 12],
  ['high-risk', 12],
  ['data-collection', 7],
  ['protected', 7],
];

/** Days past due kept clear of the high-risk threshold (90 by default), so a day's drift changes nothing. */
const ORDINARY_DAYS: readonly [number, number] = [5, 84];
const LONG_OVERDUE_DAYS: readonly [number, number] = [96, 150];

interface Plan {
  /** Total open amount in minor units. */
  total: number;
  /** Days past due of the oldest invoice. */
  oldestDays: number;
  invoiceCount: number;
}

function pickAmount(r: Random, min: number, max: number): number {
  // Round to whole units most of the time, as invoices often are.
  const amount = r.int(min, max);
  if (!r.chance(0.6) || amount < 1000) return amount;
  const rounded = Math.round(amount / 100) * 100 - r.pick([0, 0, 1]);
  return Math.min(max, Math.max(min, rounded));
}

function buildProfile(
  r: Random,
  index: number,
  target: SegmentId,
): { profile: DebtorBody; region: Region; plan: Plan } {
  const region = r.weighted(REGIONS.map((reg) => [reg, reg.weight] as const));
  const names = NAMES[region.locale];
  const first = r.pick(names.first);
  const last = r.pick(names.last);
  const n = index + 1;
  const domain = r.chance(0.75) ? 'example.com' : 'example.org';

  const profile: DebtorBody = {
    name: `${first} ${last}`,
    locale: region.locale,
    timezone: region.timezone,
    country: region.country,
    attributes: { demo: true, customerNumber: `K-${String(100_000 + n)}` },
  };
  const email = `${mailName(first)}.${mailName(last)}+${n}@${domain}`;
  const phone = region.phone(r);
  const hasPhone = r.chance(0.7);
  const sms = hasPhone && r.chance(0.5);
  const call = hasPhone && r.chance(0.4);
  const affinity = r.pick(['high', 'medium', 'low', undefined] as const);
  const value = r.pick(['B', 'C', 'C', undefined] as const);
  const history = (minRate: number, maxRate: number, brokenMax: number) => {
    if (r.chance(0.25)) return undefined; // a new customer: no history on record
    return {
      onTimeRate: r.int(Math.round(minRate * 100), Math.round(maxRate * 100)) / 100,
      brokenPromises: r.int(0, brokenMax),
      previousCases: r.int(0, 4),
    };
  };
  const contact = (options: { email: boolean; preferred?: DebtorBody['preferredChannel'] }) => {
    if (options.email) profile.email = email;
    if (hasPhone) {
      profile.phone = phone;
      profile.consents = { sms, call };
    }
    // Nobody prefers a channel they cannot be reached on.
    const preferred = options.preferred === 'sms' && !sms ? 'email' : options.preferred;
    if (preferred) profile.preferredChannel = preferred;
  };
  const ordinaryDays = () => r.int(ORDINARY_DAYS[0], ORDINARY_DAYS[1]);
  const invoiceCount = () =>
    r.weighted([
      [1, 6],
      [2, 3],
      [3, 1],
    ] as const);

  switch (target) {
    case 'protected': {
      const flags: DebtorFlag[] = [r.pick(DEBTOR_FLAGS)];
      if (r.chance(0.2)) {
        const second = r.pick(DEBTOR_FLAGS);
        if (!flags.includes(second)) flags.push(second);
      }
      contact({ email: true });
      Object.assign(profile, { flags, customerValue: value, paymentHistory: history(0.3, 0.95, 1) });
      return {
        profile,
        region,
        plan: { total: pickAmount(r, 4_000, 250_000), oldestDays: r.int(10, 150), invoiceCount: 1 },
      };
    }
    case 'data-collection': {
      // Timezone and locale are required by the API, so what is missing is a usable channel.
      if (r.chance(0.5)) {
        // A phone number only, without consent to text or call.
        profile.phone = phone;
        profile.consents = { sms: false, call: false };
      } else {
        // Only an e-mail address, and the e-mail consent was withdrawn.
        profile.email = email;
        profile.consents = { email: false };
      }
      Object.assign(profile, { digitalAffinity: affinity, paymentHistory: history(0.4, 0.9, 1) });
      return {
        profile,
        region,
        plan: { total: pickAmount(r, 3_000, 150_000), oldestDays: r.int(5, 150), invoiceCount: 1 },
      };
    }
    case 'small-balance': {
      contact({ email: true, preferred: r.pick(['email', 'sms', undefined] as const) });
      Object.assign(profile, {
        customerValue: r.pick(['B', 'C', undefined] as const),
        digitalAffinity: affinity,
        paymentHistory: history(0.5, 1, 1),
      });
      return {
        profile,
        region,
        plan: { total: pickAmount(r, 290, 2_400), oldestDays: ordinaryDays(), invoiceCount: r.int(1, 2) },
      };
    }
    case 'self-service': {
      const viaPortal = r.chance(0.4);
      contact({
        email: true,
        preferred: viaPortal ? 'portal' : r.pick(['email', 'sms', undefined] as const),
      });
      Object.assign(profile, {
        customerValue: r.pick(['B', 'C'] as const),
        digitalAffinity: viaPortal ? r.pick(['high', 'medium'] as const) : 'high',
        paymentHistory: history(0.82, 1, 1),
      });
      return {
        profile,
        region,
        plan: {
          total: pickAmount(r, 3_500, 180_000),
          oldestDays: ordinaryDays(),
          invoiceCount: invoiceCount(),
        },
      };
    }
    case 'assisted': {
      const unreliableDigital = r.chance(0.25);
      contact({ email: true, preferred: r.pick(['email', 'sms', undefined] as const) });
      Object.assign(profile, {
        customerValue: value,
        digitalAffinity: unreliableDigital ? 'high' : r.pick(['medium', 'low', undefined] as const),
        paymentHistory: unreliableDigital
          ? { onTimeRate: r.int(35, 75) / 100, brokenPromises: r.int(0, 1), previousCases: r.int(1, 5) }
          : history(0.3, 1, 1),
      });
      return {
        profile,
        region,
        plan: {
          total: pickAmount(r, 3_000, 320_000),
          oldestDays: ordinaryDays(),
          invoiceCount: invoiceCount(),
        },
      };
    }
    case 'personal': {
      const why = r.pick(['value', 'amount', 'call'] as const);
      contact({ email: true });
      if (why === 'call') {
        profile.phone = phone;
        profile.consents = { sms, call: true };
        profile.preferredChannel = 'call';
      }
      Object.assign(profile, {
        customerValue: why === 'value' ? 'A' : value,
        digitalAffinity: affinity,
        paymentHistory: history(0.6, 1, 1),
      });
      const total = why === 'amount' ? pickAmount(r, 500_000, 2_400_000) : pickAmount(r, 15_000, 420_000);
      return { profile, region, plan: { total, oldestDays: ordinaryDays(), invoiceCount: invoiceCount() } };
    }
    case 'high-risk': {
      const brokePromises = r.chance(0.5);
      contact({ email: true, preferred: r.pick(['email', 'sms', undefined] as const) });
      Object.assign(profile, {
        customerValue: r.pick(['A', 'B', 'C', undefined] as const),
        digitalAffinity: affinity,
        paymentHistory: {
          onTimeRate: r.int(10, 60) / 100,
          brokenPromises: brokePromises ? r.int(2, 4) : r.int(0, 1),
          previousCases: r.int(1, 6),
        },
      });
      const oldestDays = brokePromises ? ordinaryDays() : r.int(LONG_OVERDUE_DAYS[0], LONG_OVERDUE_DAYS[1]);
      return {
        profile,
        region,
        plan: { total: pickAmount(r, 8_000, 450_000), oldestDays, invoiceCount: invoiceCount() },
      };
    }
  }
}

/** Splits `total` into `parts` positive amounts. */
function split(r: Random, total: number, parts: number): number[] {
  const count = Math.max(1, Math.min(parts, total));
  const weights = Array.from({ length: count }, () => r.int(1, 10));
  const sum = weights.reduce((a, b) => a + b, 0);
  const amounts = weights.map((w) => Math.max(1, Math.floor((total * w) / sum)));
  const rest = total - amounts.reduce((a, b) => a + b, 0);
  amounts[0] = (amounts[0] ?? 0) + rest;
  return amounts;
}

function buildInvoices(r: Random, index: number, region: Region, plan: Plan, now: Date): DemoInvoice[] {
  const amounts = split(r, plan.total, plan.invoiceCount);
  const dayOffsets = [plan.oldestDays];
  for (let i = 1; i < amounts.length; i++) {
    dayOffsets.push(r.int(ORDINARY_DAYS[0], Math.max(ORDINARY_DAYS[0], plan.oldestDays - 7)));
  }
  dayOffsets.sort((a, b) => b - a); // oldest first; dayOffsets[0] stays the oldest
  return amounts.map((amountDue, k) => {
    const days = dayOffsets[k] ?? plan.oldestDays;
    const dueDate = localDate(new Date(now.getTime() - days * DAY_MS), region.timezone);
    const issued = new Date(Date.parse(`${dueDate}T00:00:00Z`) - r.pick([14, 14, 30]) * DAY_MS);
    issued.setUTCHours(r.int(7, 16), r.pick([0, 15, 30, 45]), 0, 0);
    const number = `${issued.getUTCFullYear()}-${String(index + 1).padStart(4, '0')}${k + 1}`;
    return {
      invoiceId: region.locale === 'de' ? `RE-${number}` : `INV-${number}`,
      body: {
        currency: region.currency,
        amountDue,
        dueDate,
        issuedAt: issued.toISOString().replace('.000Z', 'Z'),
      },
    };
  });
}

/**
 * The snapshot segmentation would read once the profile and all invoices are recorded, built the
 * way the API stores them: e-mail consent defaults to true, SMS and call to false; the oldest
 * invoice sets currency and days past due in the debtor's time zone.
 */
export function demoSnapshot(
  debtor: Pick<DemoDebtor, 'debtorId' | 'profile' | 'invoices'>,
  now: Date,
): DebtorSnapshot {
  const p = debtor.profile;
  const contactPoints: ContactPointState[] = [];
  const point = (channel: ContactPointState['channel'], consent: boolean) =>
    contactPoints.push({ channel, consent, optedOut: false, invalid: false });
  if (p.email) point('email', p.consents?.email ?? true);
  if (p.phone) {
    point('sms', p.consents?.sms ?? false);
    point('call', p.consents?.call ?? false);
  }
  const invoices = [...debtor.invoices].sort(
    (a, b) => a.body.dueDate.localeCompare(b.body.dueDate) || a.invoiceId.localeCompare(b.invoiceId),
  );
  const oldest = invoices[0];
  return {
    debtorId: debtor.debtorId,
    locale: p.locale,
    timezone: p.timezone,
    country: p.country ?? null,
    flags: p.flags ?? [],
    customerValue: p.customerValue ?? null,
    digitalAffinity: p.digitalAffinity ?? null,
    preferredChannel: p.preferredChannel ?? null,
    paymentHistory: p.paymentHistory ?? {},
    openAmount: invoices.reduce((sum, i) => sum + i.body.amountDue, 0),
    currency: oldest?.body.currency ?? null,
    daysPastDue: oldest ? daysPastDue(oldest.body.dueDate, now, p.timezone) : 0,
    openInvoiceCount: invoices.length,
    contactPoints,
    brokenPromisesInCase: 0,
    portalVisits: 0,
  };
}

export function demoDebtorId(index: number): string {
  return `demo-${String(index + 1).padStart(3, '0')}`;
}

/**
 * `count` debtors; the first seven are one per segment by construction (in the order of
 * `SEGMENTS`), the rest follow a realistic mix. Debtor i is the same for every count ≥ i.
 */
export function generateDemoDebtors(options: DemoOptions): DemoDebtor[] {
  const { seed, count, now } = options;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a whole number ≥ 0`);
  if (Number.isNaN(now.getTime())) throw new RangeError('now must be a valid date');
  const r = new Random(seed);
  const debtors: DemoDebtor[] = [];
  for (let index = 0; index < count; index++) {
    const covering = COVERAGE[index];
    const target = covering ?? r.weighted(MIX);
    const debtorId = demoDebtorId(index);
    const { profile, region, plan } = buildProfile(r, index, target);
    // One invoice each for the covering debtors: their case opens in its final segment right away.
    // (With several invoices the case opens on the oldest and may change segment as the rest arrive.)
    if (covering) plan.invoiceCount = 1;
    const invoices = buildInvoices(r, index, region, plan, now);
    const expectedSegment = assess(demoSnapshot({ debtorId, profile, invoices }, now)).segment;
    if (covering && expectedSegment !== covering) {
      throw new Error(
        `demo generator bug: ${debtorId} was built for ${target} but assesses as ${expectedSegment}`,
      );
    }
    const { attributes, ...fields } = profile;
    debtors.push({ debtorId, profile: { ...fields, attributes }, invoices, expectedSegment });
  }
  return debtors;
}
