import { escapeHtml } from '../pages.js';

/** Accessible form parts: every field labelled, hints and errors tied to it with aria-describedby. */
export interface FieldError {
  field: string;
  message: string;
}

const describedBy = (name: string, hint: string | undefined, error: string | undefined) => {
  const ids = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean);
  return ids.length ? ` aria-describedby="${ids.join(' ')}"` : '';
};
const hintHtml = (name: string, hint: string | undefined) =>
  hint ? `<p class="hint" id="${name}-hint">${escapeHtml(hint)}</p>` : '';
const errorHtml = (name: string, error: string | undefined) =>
  error ? `<p class="error" id="${name}-error">${escapeHtml(error)}</p>` : '';

export const hidden = (name: string, value: string): string =>
  `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/** The list of problems at the top of a form, announced at once and linking to each field. */
export function errorSummary(title: string, errors: FieldError[]): string {
  if (errors.length === 0) return '';
  const items = errors
    .map((e) => `<li><a href="#${escapeHtml(e.field)}">${escapeHtml(e.message)}</a></li>`)
    .join('');
  return `<div class="errors" role="alert" tabindex="-1"><h2>${escapeHtml(title)}</h2><ul>${items}</ul></div>`;
}

export function radioGroup(options: {
  name: string;
  legend: string;
  choices: { value: string; label: string; hint?: string }[];
  checked?: string | undefined;
  error?: string | undefined;
}): string {
  const { name, legend, choices, checked, error } = options;
  const radios = choices
    .map((c, n) => {
      const id = n === 0 ? name : `${name}-${n}`;
      const hint = c.hint ? `<span class="hint" id="${id}-hint">${escapeHtml(c.hint)}</span>` : '';
      return `<div class="choice"><input type="radio" id="${id}" name="${name}" value="${escapeHtml(c.value)}"${c.value === checked ? ' checked' : ''}${c.hint ? ` aria-describedby="${id}-hint"` : ''} required><label for="${id}">${escapeHtml(c.label)}${hint}</label></div>`;
    })
    .join('');
  return `<fieldset${error ? ` aria-describedby="${name}-error"` : ''}><legend>${escapeHtml(legend)}</legend>${errorHtml(name, error)}${radios}</fieldset>`;
}

export function checkboxGroup(options: {
  legend: string;
  boxes: { name: string; label: string; checked: boolean }[];
}): string {
  const boxes = options.boxes
    .map(
      (b) =>
        `<div class="choice"><input type="checkbox" id="${b.name}" name="${b.name}" value="yes"${b.checked ? ' checked' : ''}><label for="${b.name}">${escapeHtml(b.label)}</label></div>`,
    )
    .join('');
  return `<fieldset><legend>${escapeHtml(options.legend)}</legend>${boxes}</fieldset>`;
}

export function dateField(options: {
  name: string;
  label: string;
  min: string;
  max: string;
  value?: string | undefined;
  hint?: string | undefined;
  error?: string | undefined;
}): string {
  const { name, label, min, max, value, hint, error } = options;
  return `<div class="field"><label for="${name}">${escapeHtml(label)}</label>${hintHtml(name, hint)}${errorHtml(name, error)}<input type="date" id="${name}" name="${name}" min="${min}" max="${max}" value="${escapeHtml(value ?? '')}" required${error ? ' aria-invalid="true"' : ''}${describedBy(name, hint, error)}></div>`;
}

export function selectField(options: {
  name: string;
  label: string;
  choices: { value: string; label: string }[];
  selected?: string | undefined;
  error?: string | undefined;
}): string {
  const { name, label, choices, selected, error } = options;
  const opts = choices
    .map(
      (c) =>
        `<option value="${escapeHtml(c.value)}"${c.value === selected ? ' selected' : ''}>${escapeHtml(c.label)}</option>`,
    )
    .join('');
  return `<div class="field"><label for="${name}">${escapeHtml(label)}</label>${errorHtml(name, error)}<select id="${name}" name="${name}" required${describedBy(name, undefined, error)}>${opts}</select></div>`;
}

export function textArea(options: {
  name: string;
  label: string;
  hint?: string;
  value?: string | undefined;
  maxLength: number;
  error?: string | undefined;
}): string {
  const { name, label, hint, value, maxLength, error } = options;
  return `<div class="field"><label for="${name}">${escapeHtml(label)}</label>${hintHtml(name, hint)}${errorHtml(name, error)}<textarea id="${name}" name="${name}" rows="5" maxlength="${maxLength}"${error ? ' aria-invalid="true"' : ''}${describedBy(name, hint, error)}>${escapeHtml(value ?? '')}</textarea></div>`;
}
