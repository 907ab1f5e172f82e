import { SEGMENTS, CHANNELS } from '../../domain/segmentation/types.js';
import type { SegmentationConfig } from '../../domain/segmentation/config.js';
import { TONES } from '../../domain/strategies/types.js';
import type { ExperimentResults } from '../experiments/service.js';
import { inlineStyle } from '../inline-style.js';
import { csrfField, h, notice, postButton, staffPage } from '../inbox/layout.js';
import type { AgentSession } from '../inbox/session.js';
import type { PolicyPreview } from '../policies/preview.js';
import { formatters, type CockpitLang } from './i18n.js';
import { manageText } from './manage-i18n.js';

export type Message = { kind: 'error' | 'ok'; text: string } | undefined;

const STYLE =
  inlineStyle(`.cockpit table{margin-top:.75rem}.scroll{overflow-x:auto}caption{text-align:left;font-weight:600;padding:.3rem 0}
.row{display:flex;gap:1rem;flex-wrap:wrap;align-items:end}`);

function header(lang: CockpitLang, title: string, path: string): string {
  const t = manageText[lang];
  const other: CockpitLang = lang === 'de' ? 'en' : 'de';
  return `<p><a href="/cockpit?lang=${lang}">${h(t.back)}</a> · <a href="/cockpit/experiments?lang=${lang}">${h(t.experiments)}</a> · <a href="/cockpit/policies?lang=${lang}">${h(t.policies)}</a> · <a href="${h(path)}?lang=${other}" lang="${other}">${h(t.language)}</a></p>
<h1>${h(title)}</h1>`;
}

const langField = (lang: CockpitLang) => `<input type="hidden" name="lang" value="${lang}">`;

function verdictText(lang: CockpitLang, r: ExperimentResults): string {
  const t = manageText[lang];
  const p = (v: number) =>
    new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-GB', { maximumSignificantDigits: 2 }).format(v);
  const v = r.verdict;
  if (v.kind === 'too-few-cases') return t.tooFew(v.minimumPerVariant, v.smallest);
  if (v.kind === 'no-difference-yet') return t.noDifference(v.leader, p(v.pValue));
  return t.winner(v.winner, p(v.pValue));
}

function resultsCard(session: AgentSession, lang: CockpitLang, r: ExperimentResults): string {
  const t = manageText[lang];
  const f = formatters(lang);
  const e = r.experiment;
  const rows = r.variants
    .map(
      (v) =>
        `<tr><th scope="row">${h(v.name)}</th><td>${f.integer(v.n)}</td><td>${f.integer(v.paidInFull)} (${h(f.percent(v.recoveryRate))})</td><td>${
          v.recoveryRateInterval
            ? `${h(f.percent(v.recoveryRateInterval.low))} – ${h(f.percent(v.recoveryRateInterval.high))}`
            : '—'
        }</td><td>${h(f.decimal(v.medianDaysToPay))}</td><td>${h(f.decimal(v.costPerUnitRecovered))}</td></tr>`,
    )
    .join('');
  const actions =
    e.status === 'running'
      ? `${postButton(session, `/cockpit/experiments/${e.id}/stop`, t.stop, langField(lang))} ${
          r.verdict.kind === 'winner'
            ? postButton(session, `/cockpit/experiments/${e.id}/promote`, t.promote, langField(lang))
            : ''
        }`
      : '';
  return `<section class="card" aria-labelledby="h-${h(e.id)}" data-experiment="${h(e.id)}">
<h2 id="h-${h(e.id)}">${h(e.segment)}: ${h(e.variants.map((v) => v.name).join(' / '))}</h2>
<p>${h(t.status)}: <strong>${h(e.status)}</strong>${e.promotedVariant ? ` (${h(e.promotedVariant)})` : ''}</p>
<div class="scroll" tabindex="0"><table data-table="results">
<caption>${h(t.verdict)}: <span data-verdict="${h(r.verdict.kind)}">${h(verdictText(lang, r))}</span></caption>
<thead><tr><th scope="col">${h(t.variant)}</th><th scope="col">${h(t.cases)}</th><th scope="col">${h(t.paidInFull)}</th><th scope="col">${h(t.interval)}</th><th scope="col">${h(t.medianDays)}</th><th scope="col">${h(t.costPerUnit)}</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${actions}
</section>`;
}

export function experimentsPage(
  session: AgentSession,
  lang: CockpitLang,
  results: ExperimentResults[],
  message: Message,
): string {
  const t = manageText[lang];
  const options = (values: readonly string[]) =>
    values.map((v) => `<option value="${h(v)}">${h(v)}</option>`).join('');
  const form = `<section class="card" aria-labelledby="h-new"><h2 id="h-new">${h(t.newExperiment)}</h2>
<form method="post" action="/cockpit/experiments" class="row">${csrfField(session)}${langField(lang)}
<label>${h(t.segment)} <select name="segment">${options(SEGMENTS)}</select></label>
<label>${h(t.challenger)} <input name="challenger" required pattern="[a-z0-9][a-z0-9\\-]*" value="challenger"></label>
<label>${h(t.tone)} <select name="tone"><option value="">${h(t.unchanged)}</option>${options(TONES)}</select></label>
<label>${h(t.firstChannel)} <select name="firstChannel"><option value="">${h(t.unchanged)}</option>${options(CHANNELS)}</select></label>
<button type="submit">${h(t.start)}</button>
</form></section>`;
  return staffPage(
    t.experiments,
    session,
    `<div class="cockpit">${header(lang, t.experiments, '/cockpit/experiments')}
${notice(message)}
<p>${h(t.experimentsIntro)}</p>
${form}
${results.length ? results.map((r) => resultsCard(session, lang, r)).join('\n') : `<p>${h(t.none)}</p>`}
</div>`,
    { lang, head: STYLE },
  );
}

/** The thresholds the policy page edits (segmentation's numeric fields). */
export const THRESHOLDS = [
  'smallBalanceMax',
  'highRiskBrokenPromises',
  'highRiskDaysPastDue',
  'personalMinOpenAmount',
  'selfServiceMinOnTimeRate',
] as const satisfies readonly (keyof SegmentationConfig)[];

export interface PolicyPageData {
  version: number;
  segmentation: SegmentationConfig;
  history: {
    version: number;
    createdBy: string;
    createdAt: Date;
    reason: string;
    changes: { path: string; from: unknown; to: unknown }[];
  }[];
  preview?: PolicyPreview;
}

function previewBlock(session: AgentSession, lang: CockpitLang, preview: PolicyPreview): string {
  const t = manageText[lang];
  const f = formatters(lang);
  const migrations = preview.migrations
    .map(
      (m) =>
        `<tr${m.from === m.to ? '' : ' data-moved="true"'}><th scope="row">${h(m.from)}</th><td>${h(m.to)}</td><td>${f.integer(m.cases)}</td><td>${h(
          m.amounts.map((a) => f.money(a.amount, a.currency)).join(', '),
        )}</td></tr>`,
    )
    .join('');
  const forecast = preview.forecast
    .map(
      (c) =>
        `<tr><th scope="row">${h(c.day)}</th><td>${h(c.channel)}</td><td>${f.integer(c.contacts)}</td></tr>`,
    )
    .join('');
  return `<section class="card" aria-labelledby="h-preview"><h2 id="h-preview">${h(t.preview)}</h2>
<div class="scroll" tabindex="0"><table data-table="migration"><caption>${h(t.migration)}</caption>
<thead><tr><th scope="col">${h(t.from)}</th><th scope="col">${h(t.to)}</th><th scope="col">${h(t.cases)}</th><th scope="col">${h(t.amount)}</th></tr></thead>
<tbody>${migrations}</tbody></table></div>
<div class="scroll" tabindex="0"><table data-table="forecast"><caption>${h(t.forecast)}</caption>
<thead><tr><th scope="col">${h(t.day)}</th><th scope="col">${h(t.channel)}</th><th scope="col">${h(t.contacts)}</th></tr></thead>
<tbody>${forecast}</tbody></table></div>
<form method="post" action="/cockpit/policies/publish" class="row">${csrfField(session)}${langField(lang)}
<label>${h(t.reason)} <input name="reason" required maxlength="500"></label>
<button type="submit">${h(t.publish)}</button></form>
</section>`;
}

export function policiesPage(
  session: AgentSession,
  lang: CockpitLang,
  data: PolicyPageData,
  message: Message,
): string {
  const t = manageText[lang];
  const fields = THRESHOLDS.map(
    (key) =>
      `<label>${h(t[key])} <input name="${key}" type="number" step="${key === 'selfServiceMinOnTimeRate' ? '0.01' : '1'}" min="0" required value="${h(String(data.segmentation[key]))}"></label>`,
  ).join('\n');
  const history = data.history
    .map(
      (v) =>
        `<tr><th scope="row">${v.version}</th><td>${h(v.createdBy)}</td><td>${h(v.createdAt.toISOString().slice(0, 16).replace('T', ' '))} UTC</td><td>${h(v.reason)}</td><td>${h(
          v.changes.map((c) => `${c.path}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join('; '),
        )}</td></tr>`,
    )
    .join('');
  return staffPage(
    t.policies,
    session,
    `<div class="cockpit">${header(lang, t.policies, '/cockpit/policies')}
${notice(message)}
<p>${h(t.policiesIntro)}</p>
<p>${h(t.version)}: <strong data-version="${data.version}">${data.version}</strong></p>
<section class="card" aria-labelledby="h-thresholds"><h2 id="h-thresholds">${h(t.preview)}</h2>
<form method="post" action="/cockpit/policies/preview">${csrfField(session)}${langField(lang)}
${fields}
<button type="submit">${h(t.preview)}</button></form></section>
${data.preview ? previewBlock(session, lang, data.preview) : ''}
${
  data.history.length
    ? `<div class="scroll" tabindex="0"><table data-table="history"><caption>${h(t.history)}</caption>
<thead><tr><th scope="col">#</th><th scope="col">${h(t.by)}</th><th scope="col">${h(t.when)}</th><th scope="col">${h(t.reason)}</th><th scope="col">${h(t.changes)}</th></tr></thead>
<tbody>${history}</tbody></table></div>`
    : ''
}
</div>`,
    { lang, head: STYLE },
  );
}
