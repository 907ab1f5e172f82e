/** The cockpit's words, German and English; figures are formatted per language with Intl. */
export type CockpitLang = 'de' | 'en';

const en = {
  title: 'Strategy cockpit',
  intro:
    'Figures from the live database, per currency. Definitions: README, section "KPIs". Rates are shares of the cases that could reach them.',
  filter: 'Filter',
  from: 'Opened from',
  to: 'Opened until',
  currency: 'Currency',
  show: 'Show',
  language: 'Deutsch',
  summary: 'Overview per segment',
  recoveryBySegment: 'Recovery curve per segment',
  recoveryByVariant: 'Recovery curve per experiment variant',
  recoveryNote: 'Share of the amount placed that was recovered within 30, 60 and 90 days of opening.',
  funnel: 'Portal funnel per link channel',
  funnelNote: 'Cases whose debtor opened the portal, started a payment and paid there.',
  roll: 'Roll and cure rates per segment',
  rollNote:
    'Of the cases whose stay in a days-past-due bucket is over: share that rolled on, share cured by paying.',
  cost: 'Cost per unit recovered',
  costNote: 'Contact cost per unit of currency recovered (0.02 = 2 cents per euro).',
  perSegment: 'per segment',
  perChannel: 'per channel',
  tableOf: 'Numbers of the chart',
  chartOf: 'Chart; the numbers are in the table below',
  noData: 'No cases in this selection yet.',
  group: 'Group',
  segment: 'Segment',
  variant: 'Variant',
  channel: 'Channel',
  cases: 'Cases',
  placed: 'Placed',
  recovered: 'Recovered',
  days30: '30 days',
  days60: '60 days',
  days90: '90 days',
  medianDays: 'Median days to pay',
  promiseKept: 'Promises kept',
  disputes: 'Dispute rate',
  rpc: 'Right-party contacts',
  opened: 'Link opened',
  started: 'Payment started',
  paid: 'Paid',
  roll1: '1–30 → 31–60',
  roll2: '31–60 → 61–90',
  roll3: '61–90 → 90+',
  cure: 'Cured in 1–30',
  contacts: 'Contacts',
  costTotal: 'Cost',
  costPerUnit: 'Cost per unit recovered',
  badFilter: 'The filter is invalid',
};
export type CockpitText = typeof en;

const de: CockpitText = {
  title: 'Strategie-Cockpit',
  intro:
    'Kennzahlen aus der laufenden Datenbank, je Währung. Definitionen: README, Abschnitt „KPIs“. Quoten beziehen sich auf die Fälle, die sie erreichen konnten.',
  filter: 'Filter',
  from: 'Eröffnet ab',
  to: 'Eröffnet bis',
  currency: 'Währung',
  show: 'Anzeigen',
  language: 'English',
  summary: 'Überblick je Segment',
  recoveryBySegment: 'Realisierungskurve je Segment',
  recoveryByVariant: 'Realisierungskurve je Experiment-Variante',
  recoveryNote:
    'Anteil des übergebenen Betrags, der innerhalb von 30, 60 und 90 Tagen nach Eröffnung einging.',
  funnel: 'Portal-Trichter je Link-Kanal',
  funnelNote: 'Fälle, deren Schuldner das Portal öffnete, eine Zahlung begann und dort zahlte.',
  roll: 'Roll- und Heilungsquoten je Segment',
  rollNote:
    'Von den Fällen, deren Zeit in einem Verzugs-Band vorbei ist: Anteil, der ins nächste Band rollte, und Anteil, der durch Zahlung geheilt wurde.',
  cost: 'Kosten je realisierter Einheit',
  costNote: 'Kontaktkosten je realisierter Währungseinheit (0,02 = 2 Cent je Euro).',
  perSegment: 'je Segment',
  perChannel: 'je Kanal',
  tableOf: 'Zahlen zum Diagramm',
  chartOf: 'Diagramm; die Zahlen stehen in der Tabelle darunter',
  noData: 'In dieser Auswahl gibt es noch keine Fälle.',
  group: 'Gruppe',
  segment: 'Segment',
  variant: 'Variante',
  channel: 'Kanal',
  cases: 'Fälle',
  placed: 'Übergeben',
  recovered: 'Realisiert',
  days30: '30 Tage',
  days60: '60 Tage',
  days90: '90 Tage',
  medianDays: 'Median Tage bis Zahlung',
  promiseKept: 'Eingehaltene Zusagen',
  disputes: 'Widerspruchsquote',
  rpc: 'Erreichte Schuldner (Anrufe)',
  opened: 'Link geöffnet',
  started: 'Zahlung begonnen',
  paid: 'Bezahlt',
  roll1: '1–30 → 31–60',
  roll2: '31–60 → 61–90',
  roll3: '61–90 → 90+',
  cure: 'Geheilt in 1–30',
  contacts: 'Kontakte',
  costTotal: 'Kosten',
  costPerUnit: 'Kosten je realisierter Einheit',
  badFilter: 'Der Filter ist ungültig',
};

export const cockpitText: Record<CockpitLang, CockpitText> = { en, de };

/** Formats figures the way a reader of the language expects; "—" where a figure does not exist. */
export function formatters(lang: CockpitLang) {
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
  const integer = new Intl.NumberFormat(locale);
  const missing = (value: number | null, format: (v: number) => string) =>
    value === null ? '—' : format(value);
  return {
    percent: (value: number | null) => missing(value, (v) => percent.format(v)),
    decimal: (value: number | null) => missing(value, (v) => decimal.format(v)),
    integer: (value: number) => integer.format(value),
    money: (minor: number, currency: string) => {
      const money = new Intl.NumberFormat(locale, { style: 'currency', currency });
      const digits = money.resolvedOptions().maximumFractionDigits ?? 2;
      return money.format(minor / 10 ** digits);
    },
  };
}
