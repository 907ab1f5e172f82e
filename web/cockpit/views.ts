import type { KpiRow } from '../../domain/kpis/figures.js';
import { h, staffPage } from '../inbox/layout.js';
import { inlineStyle } from '../inline-style.js';
import type { AgentSession } from '../inbox/session.js';
import { cockpitText, formatters, type CockpitLang, type CockpitText } from './i18n.js';
import { manageText } from './manage-i18n.js';

/** One chart: what Chart.js draws in the browser and what the table under it lists, from one source. */
export interface ChartSpec {
  id: string;
  kind: 'line' | 'bar';
  /** Values are shares 0..1 (shown as percent) or plain numbers. */
  unit: 'share' | 'count' | 'ratio';
  labels: string[];
  series: { label: string; values: (number | null)[] }[];
}

export interface CockpitData {
  lang: CockpitLang;
  filter: { from?: string | undefined; to?: string | undefined; currency: string };
  currencies: string[];
  bySegment: KpiRow[];
  byVariant: KpiRow[];
  byChannel: KpiRow[];
}

function recoveryCurve(id: string, rows: KpiRow[], t: CockpitText): ChartSpec {
  return {
    id,
    kind: 'line',
    unit: 'share',
    labels: [t.days30, t.days60, t.days90],
    series: rows.map((r) => ({
      label: r.group,
      values: [r.recoveryRate30, r.recoveryRate60, r.recoveryRate90],
    })),
  };
}

/** The charts of the page, each with the figures its table shows. */
export function cockpitCharts(data: CockpitData): ChartSpec[] {
  const t = cockpitText[data.lang];
  const funnelChannels = data.byChannel.filter((r) => r.portalOpened > 0);
  return [
    recoveryCurve('recovery-segment', data.bySegment, t),
    recoveryCurve('recovery-variant', data.byVariant, t),
    {
      id: 'funnel',
      kind: 'bar',
      unit: 'count',
      labels: funnelChannels.map((r) => r.group),
      series: [
        { label: t.opened, values: funnelChannels.map((r) => r.portalOpened) },
        { label: t.started, values: funnelChannels.map((r) => r.portalPaymentStarted) },
        { label: t.paid, values: funnelChannels.map((r) => r.portalPaid) },
      ],
    },
    {
      id: 'roll',
      kind: 'bar',
      unit: 'share',
      labels: data.bySegment.map((r) => r.group),
      series: [
        { label: t.roll1, values: data.bySegment.map((r) => r.rollRate1to30) },
        { label: t.roll2, values: data.bySegment.map((r) => r.rollRate31to60) },
        { label: t.roll3, values: data.bySegment.map((r) => r.rollRate61to90) },
        { label: t.cure, values: data.bySegment.map((r) => r.cureRate1to30) },
      ],
    },
    {
      id: 'cost-segment',
      kind: 'bar',
      unit: 'ratio',
      labels: data.bySegment.map((r) => r.group),
      series: [
        {
          label: `${t.costPerUnit} (${t.perSegment})`,
          values: data.bySegment.map((r) => r.costPerUnitRecovered),
        },
      ],
    },
    {
      id: 'cost-channel',
      kind: 'bar',
      unit: 'ratio',
      labels: data.byChannel.map((r) => r.group),
      series: [
        {
          label: `${t.costPerUnit} (${t.perChannel})`,
          values: data.byChannel.map((r) => r.costPerUnitRecovered),
        },
      ],
    },
  ];
}

function chartBlock(spec: ChartSpec, title: string, note: string, lang: CockpitLang): string {
  const t = cockpitText[lang];
  const f = formatters(lang);
  const show = (v: number | null) =>
    spec.unit === 'share'
      ? f.percent(v)
      : spec.unit === 'ratio'
        ? f.decimal(v)
        : v === null
          ? '—'
          : f.integer(v);
  const empty = spec.labels.length === 0 || spec.series.length === 0;
  const table = `<div class="scroll" tabindex="0"><table data-table="${h(spec.id)}">
<caption>${h(t.tableOf)}: ${h(title)}</caption>
<thead><tr><th scope="col">${h(t.group)}</th>${spec.series.map((s) => `<th scope="col">${h(s.label)}</th>`).join('')}</tr></thead>
<tbody>${spec.labels
    .map(
      (label, i) =>
        `<tr><th scope="row">${h(label)}</th>${spec.series.map((s) => `<td>${h(show(s.values[i] ?? null))}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody>
</table></div>`;
  return `<section class="card" aria-labelledby="h-${h(spec.id)}">
<h2 id="h-${h(spec.id)}">${h(title)}</h2>
<p class="muted">${h(note)}</p>
${
  empty
    ? `<p>${h(t.noData)}</p>`
    : `<div class="chart"><canvas id="chart-${h(spec.id)}" role="img" aria-label="${h(`${title}. ${t.chartOf}`)}"></canvas></div>
${table}`
}
</section>`;
}

function summaryTable(rows: KpiRow[], lang: CockpitLang): string {
  const t = cockpitText[lang];
  const f = formatters(lang);
  if (rows.length === 0) return `<p>${h(t.noData)}</p>`;
  const head = [
    t.segment,
    t.cases,
    t.placed,
    t.recovered,
    t.medianDays,
    t.promiseKept,
    t.disputes,
    t.rpc,
    t.contacts,
    t.costTotal,
  ];
  return `<div class="scroll" tabindex="0"><table data-table="summary">
<caption>${h(t.summary)}</caption>
<thead><tr>${head.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead>
<tbody>${rows
    .map(
      (r) =>
        `<tr><th scope="row">${h(r.group)}</th><td>${f.integer(r.casesOpened)}</td><td>${h(f.money(r.amountPlaced, r.currency))}</td><td>${h(f.money(r.amountRecovered, r.currency))}</td><td>${h(f.decimal(r.medianDaysToPay))}</td><td>${h(f.percent(r.promiseKeptRate))}</td><td>${h(f.percent(r.disputeRate))}</td><td>${h(f.percent(r.rightPartyContactRate))}</td><td>${f.integer(r.contacts)}</td><td>${r.cost === null ? '—' : h(f.money(r.cost, r.currency))}</td></tr>`,
    )
    .join('')}</tbody>
</table></div>`;
}

function filterForm(data: CockpitData): string {
  const t = cockpitText[data.lang];
  const other: CockpitLang = data.lang === 'de' ? 'en' : 'de';
  const query = new URLSearchParams({ lang: other, currency: data.filter.currency });
  if (data.filter.from) query.set('from', data.filter.from);
  if (data.filter.to) query.set('to', data.filter.to);
  return `<form method="get" action="/cockpit" class="filters" aria-label="${h(t.filter)}">
<input type="hidden" name="lang" value="${data.lang}">
<label>${h(t.from)} <input type="date" name="from" value="${h(data.filter.from ?? '')}"></label>
<label>${h(t.to)} <input type="date" name="to" value="${h(data.filter.to ?? '')}"></label>
<label>${h(t.currency)} <select name="currency">${data.currencies
    .map((c) => `<option${c === data.filter.currency ? ' selected' : ''}>${h(c)}</option>`)
    .join('')}</select></label>
<button type="submit">${h(t.show)}</button>
<a href="/cockpit?${h(query.toString())}" lang="${other}">${h(t.language)}</a>
</form>`;
}

const CHART_HEAD = `<script src="/cockpit/assets/chart.umd.min.js" defer></script>
<script src="/cockpit/assets/cockpit.js" defer></script>
${inlineStyle(`.chart{position:relative;height:18rem}.filters{display:flex;gap:1rem;flex-wrap:wrap;align-items:end}
.cockpit table{margin-top:.75rem;font-size:.95rem}.scroll{overflow-x:auto}caption{text-align:left;font-weight:600;padding:.3rem 0}`)}`;

export function cockpitPage(session: AgentSession, data: CockpitData): string {
  const t = cockpitText[data.lang];
  const charts = cockpitCharts(data);
  const titles: Record<string, [string, string]> = {
    'recovery-segment': [t.recoveryBySegment, t.recoveryNote],
    'recovery-variant': [t.recoveryByVariant, t.recoveryNote],
    funnel: [t.funnel, t.funnelNote],
    roll: [t.roll, t.rollNote],
    'cost-segment': [`${t.cost} ${t.perSegment}`, t.costNote],
    'cost-channel': [`${t.cost} ${t.perChannel}`, t.costNote],
  };
  // Data for the chart script as inert JSON: "<" escaped so no text can close the script element.
  const json = JSON.stringify({ lang: data.lang, charts }).replaceAll('<', '\\u003c');
  return staffPage(
    t.title,
    session,
    `<div class="cockpit">
<h1>${h(t.title)} (${h(data.filter.currency)})</h1>
<p>${h(t.intro)}</p>
<p><a href="/cockpit/experiments?lang=${data.lang}">${h(manageText[data.lang].experiments)}</a> · <a href="/cockpit/policies?lang=${data.lang}">${h(manageText[data.lang].policies)}</a></p>
${filterForm(data)}
<section class="card" aria-labelledby="h-summary"><h2 id="h-summary">${h(t.summary)}</h2>${summaryTable(data.bySegment, data.lang)}</section>
<div class="grid">
${charts.map((c) => chartBlock(c, ...(titles[c.id] as [string, string]), data.lang)).join('\n')}
</div>
<script type="application/json" id="cockpit-data">${json}</script>
</div>`,
    { lang: data.lang, head: CHART_HEAD },
  );
}
