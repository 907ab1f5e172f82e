import { createHash } from 'node:crypto';

const hashes = new Set<string>();

/**
 * A `<style>` element the content security policy allows by the SHA-256 of its text (no
 * 'unsafe-inline'). Call it once at module load with constant CSS, never with text built from input:
 * whatever is passed here becomes allowed.
 */
export function inlineStyle(css: string): string {
  hashes.add(`'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`);
  return `<style>${css}</style>`;
}

/** The CSP sources of every inline style made so far. */
export const inlineStyleSources = (): string[] => [...hashes];
