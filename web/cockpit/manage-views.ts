import { SEGMENTS } from '../../domain/segmentation/types.js';
import type { Policies } from '../../activities/index.js';
import type { PolicyDocument } from '../../config/policy-file.js';
import { MESSAGE_TEMPLATES, TONES } from '../../domain/strategies/types.js';
import { VARIANT_ROWS } from './experiment-form.js';
import type { ExperimentResults } from '../experiments/service.js';
import { inlineStyle } from '../inline-style.js';
import { csrfField, h, notice, postButton, staffPage } from '../inbox/layout.js';
import type { AgentSession } from '../inbox/session.js';
import type { PolicyPreview } from '../policies/preview.js';
import { formatters, type CockpitLang } from './i18n.js';
import { manageText } from './manage-i18n.js';
import { CAPS, FIXED_RULES, PLAN_FIELDS, THRESHOLDS } from './policy-form.js';

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

const options = (values: readonly string[]) =>
  values.map((v) => `<option value="${h(v)}">${h(v)}</option>`).join('');

/** One variant of the new experiment; the first two are filled in as champion and challenger. */
function variantRow(lang: CockpitLang, i: number): string {
  const t = manageText[lang];
  const n = i + 1;
  const path = `variants.${i}`;
  const name = ['champion', 'challenger'][i] ?? '';
  const text = (label: string, field: string, placeholder: string) =>
    `<label>${h(label)} <input name="${path}.overrides.${field}" placeholder="${h(placeholder)}"></label>`;
  return `<fieldset data-variant="${i}"><legend>${h(t.variantN(n))}</legend><div class="row">
<label>${h(t.variantName(n))} <input name="${path}.name" pattern="[a-z0-9][a-z0-9\\-]*" value="${name}"></label>
<label>${h(t.weight(n))} <input name="${path}.weight" type="number" min="0" step="any" value="${name ? 1 : ''}"></label>
<label>${h(t.toneN(n))} <select name="${path}.overrides.tone"><option value="">${h(t.unchanged)}</option>${options(TONES)}</select></label>
${text(t.channelOrder(n), 'channelOrder', 'sms, email')}
${text(t.cadence(n), 'cadenceDays', 'call=2, final=10')}
${text(t.templates(n), 'templates', `final=${MESSAGE_TEMPLATES[2]}`)}
${text(t.callTiming(n), 'callSlaDays', 'call=1')}</div></fieldset>`;
}

export function experimentsPage(
  session: AgentSession,
  lang: CockpitLang,
  results: ExperimentResults[],
  strategies: Policies['strategies'],
  message: Message,
): string {
  const t = manageText[lang];
  const form = `<section class="card" aria-labelledby="h-new"><h2 id="h-new">${h(t.newExperiment)}</h2>
<form method="post" action="/cockpit/experiments">${csrfField(session)}${langField(lang)}
<label>${h(t.segment)} <select name="segment">${options(SEGMENTS)}</select></label>
<p>${h(t.variantsHelp)}</p>
${Array.from({ length: VARIANT_ROWS }, (_, i) => variantRow(lang, i)).join('\n')}
<details><summary>${h(t.stepIds)}</summary><ul>${Object.values(strategies)
    .map((s) => `<li>${h(s.segment)}: ${h(s.steps.map((step) => step.id).join(', '))}</li>`)
    .join('')}</ul></details>
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

export interface PolicyPageData {
  version: number;
  /** What the form shows: the draft, or the document in force when there is none. */
  document: PolicyDocument;
  /** The strategies `document` makes (steps with their days, tone, plan limits). */
  strategies: Policies['strategies'];
  /** The form shows a saved, unpublished draft. */
  isDraft: boolean;
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
${policyForm(session, lang, data)}
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

const input = (
  label: string,
  name: string,
  value: string | number,
  attrs = 'type="number" min="0" step="1"',
) => `<label>${h(label)} <input name="${h(name)}" ${attrs} required value="${h(String(value))}"></label>`;

function ruleOrderFields(lang: CockpitLang, order: readonly string[]): string {
  const t = manageText[lang];
  const items = order.map((rule, i) => {
    const movable = !FIXED_RULES.includes(rule);
    const button = (direction: 'up' | 'down', label: string, symbol: string, possible: boolean) =>
      possible
        ? `<button type="submit" name="move" value="${h(rule)}:${direction}" aria-label="${h(label)}">${symbol}</button>`
        : '';
    const up = movable && !FIXED_RULES.includes(order[i - 1] ?? '');
    const down = movable && !FIXED_RULES.includes(order[i + 1] ?? '');
    return `<li data-rule="${h(rule)}"><input type="hidden" name="segmentation.ruleOrder" value="${h(rule)}">${h(rule)}${
      movable ? '' : ` (${h(t.fixedRule)})`
    } ${button('up', t.moveUp(rule), '↑', up)} ${button('down', t.moveDown(rule), '↓', down)}</li>`;
  });
  return `<fieldset><legend>${h(t.ruleOrder)}</legend><p>${h(t.ruleOrderHelp)}</p><ol data-list="rule-order">${items.join('')}</ol></fieldset>`;
}

function windowFields(lang: CockpitLang, document: PolicyDocument): string {
  const t = manageText[lang];
  return Object.entries(document.contactPolicy.windows)
    .map(([country, window]) => {
      const path = `contactPolicy.windows.${country}`;
      const where = country === 'default' ? t.otherCountries : country;
      const days = t.weekdays
        .map(
          (day, i) =>
            `<label><input type="checkbox" name="${path}.days" value="${i + 1}"${window!.days.includes(i + 1) ? ' checked' : ''}> ${h(day)}</label>`,
        )
        .join(' ');
      return `<fieldset data-window="${h(country)}"><legend>${h(t.windowFor(where))}</legend>
<input type="hidden" name="${path}.days" value=""><input type="hidden" name="${path}.holidays" value="off">
<span role="group" aria-label="${h(t.days(where))}">${days}</span>
${input(t.windowStart(where), `${path}.start`, window!.start, 'type="time"')}
${input(t.windowEnd(where), `${path}.end`, window!.end, 'type="time"')}
<label><input type="checkbox" name="${path}.holidays" value="on"${window!.holidays ? ' checked' : ''}> ${h(t.holidays(where))}</label></fieldset>`;
    })
    .join('\n');
}

function capFields(lang: CockpitLang, document: PolicyDocument): string {
  const t = manageText[lang];
  const fields = Object.entries(CAPS).flatMap(([channel, names]) =>
    names.map((name) => {
      const caps = document.contactPolicy.caps[channel as keyof typeof CAPS] as Record<string, number>;
      return input(t.cap(channel, name), `contactPolicy.caps.${channel}.${name}`, caps[name]!);
    }),
  );
  return `<fieldset><legend>${h(t.caps)}</legend><div class="row">${fields.join('\n')}</div></fieldset>`;
}

function strategyFields(lang: CockpitLang, strategies: Policies['strategies']): string {
  const t = manageText[lang];
  return Object.values(strategies)
    .map((strategy) => {
      const path = `strategies.${strategy.segment}`;
      const tones = TONES.map(
        (tone) => `<option value="${tone}"${tone === strategy.tone ? ' selected' : ''}>${tone}</option>`,
      ).join('');
      const steps = strategy.steps
        .map((step) =>
          input(t.stepDays(strategy.segment, step.label), `${path}.cadenceDays.${step.id}`, step.afterDays),
        )
        .join('\n');
      const plan = strategy.paymentPlan;
      const planFields = plan
        ? `<div class="row">${PLAN_FIELDS.map((f) => input(t.plan(strategy.segment, f), `${path}.paymentPlan.${f}`, plan[f])).join('\n')}</div>`
        : `<p>${h(t.noPlans)}</p>`;
      return `<fieldset data-strategy="${h(strategy.segment)}"><legend>${h(strategy.segment)}</legend>
<div class="row">${input(t.strategyVersion(strategy.segment), `${path}.version`, strategy.version, 'type="text" maxlength="100"')}
<label>${h(t.toneOf(strategy.segment))} <select name="${path}.tone">${tones}</select></label></div>
<div class="row">${steps}</div>
${planFields}</fieldset>`;
    })
    .join('\n');
}

/** The whole editable document as one form: Preview saves it as the draft and previews it. */
function policyForm(session: AgentSession, lang: CockpitLang, data: PolicyPageData): string {
  const t = manageText[lang];
  const thresholds = THRESHOLDS.map((key) =>
    input(
      t[key],
      `segmentation.${key}`,
      data.document.segmentation[key],
      `type="number" min="0" step="${key === 'selfServiceMinOnTimeRate' ? '0.01' : '1'}"`,
    ),
  ).join('\n');
  return `<section class="card" aria-labelledby="h-document"><h2 id="h-document">${h(data.isDraft ? t.draft : t.document)}</h2>
<form method="post" action="/cockpit/policies/preview">${csrfField(session)}${langField(lang)}
<fieldset><legend>${h(t.thresholds)}</legend><div class="row">${thresholds}</div></fieldset>
${ruleOrderFields(lang, data.document.segmentation.ruleOrder)}
<h3>${h(t.contactPolicy)}</h3>
${windowFields(lang, data.document)}
${capFields(lang, data.document)}
<h3>${h(t.strategies)}</h3>
${strategyFields(lang, data.strategies)}
<button type="submit">${h(t.preview)}</button></form></section>`;
}
