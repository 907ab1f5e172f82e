/**
 * Champion/challenger assignment: a case's variant follows from the experiment id and the debtor id
 * alone, so a re-opened or continued-as-new case keeps it. Pure and deterministic (no Node crypto):
 * workflows may call it too.
 */
export interface WeightedVariant {
  name: string;
  /** Relative weight, > 0; weights need not add up to 100. */
  weight: number;
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so near-identical ids spread evenly. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function assignVariant(
  experimentId: string,
  debtorId: string,
  variants: readonly WeightedVariant[],
): string {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  if (variants.length === 0 || !(total > 0))
    throw new Error('an experiment needs variants with positive weights');
  const point = (hash32(`${experimentId}\u0000${debtorId}`) / 2 ** 32) * total;
  let upTo = 0;
  for (const variant of variants) {
    upTo += variant.weight;
    if (point < upTo) return variant.name;
  }
  return (variants.at(-1) as WeightedVariant).name;
}
