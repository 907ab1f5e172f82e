import type { Channel } from '../domain/segmentation/index.js';

/**
 * The cells of a debtor CSV read as values, before any check: every cell is text and a blank one
 * means "not given" (undefined). A text that is no such value stays text, for the check to refuse.
 * The row schema (cli/debtor-rows.ts) and its fast path (cli/plain-snapshot.ts) share these.
 */

export function readCell(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function readNumber(value: unknown): unknown {
  const text = readCell(value);
  return typeof text === 'string' && /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/** 0.85 or 85%. */
export function readRate(value: unknown): unknown {
  const text = readCell(value);
  if (typeof text === 'string' && /^\d+(\.\d+)?%$/.test(text)) return Number(text.slice(0, -1)) / 100;
  return readNumber(text);
}

const truthy = new Set(['true', 'yes', 'y', '1']);
const falsy = new Set(['false', 'no', 'n', '0']);

export function readBoolean(value: unknown): unknown {
  const text = readCell(value);
  if (typeof text !== 'string') return text;
  if (truthy.has(text.toLowerCase())) return true;
  if (falsy.has(text.toLowerCase())) return false;
  return text;
}

/** Flags are separated by `;`, `|` or spaces. */
export function readFlags(value: unknown): unknown {
  const text = readCell(value);
  return typeof text === 'string' ? text.split(/[;|\s]+/).filter(Boolean) : text;
}

/** The columns that make a contact point of `channel`. */
export function contactColumns(channel: Channel) {
  return {
    consent: `${channel}_consent`,
    optedOut: `${channel}_opted_out`,
    invalid: `${channel}_invalid`,
  } as const;
}
