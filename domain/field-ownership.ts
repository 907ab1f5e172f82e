/**
 * Billing owns what billing sends; Mahnwerk owns what it learns. Every flag, the preferred channel
 * and each consent remember who set them; a billing write replaces only what billing set.
 */
export const FIELD_SOURCES = ['billing', 'agent', 'debtor', 'system'] as const;
export type FieldSource = (typeof FIELD_SOURCES)[number];

/** Set in Mahnwerk (by an agent, the debtor or the system): a billing write leaves it alone. */
export const learnedInMahnwerk = (source: string | null | undefined): boolean =>
  source !== null && source !== undefined && source !== 'billing';

/**
 * The flags after billing sent `fromBilling`: billing's own flags are replaced by the new list,
 * flags set in Mahnwerk stay (and keep their source even when billing now sends them too).
 */
export function flagsAfterBilling(
  current: readonly string[],
  sources: Readonly<Record<string, string>>,
  fromBilling: readonly string[],
): { flags: string[]; sources: Record<string, string> } {
  const kept = current.filter((f) => learnedInMahnwerk(sources[f]));
  const flags = [...new Set([...kept, ...fromBilling])].sort();
  return {
    flags,
    sources: Object.fromEntries(
      flags.map((f) => [f, learnedInMahnwerk(sources[f]) ? sources[f]! : 'billing']),
    ),
  };
}
