/**
 * The verdict on a champion/challenger experiment: per variant the share of cases paid in full
 * (a yes/no outcome per case, so a proportion test applies), a 95 % Wilson interval, and a
 * two-proportion z-test of the best variant against each other one (Bonferroni-corrected), only
 * once every variant has the minimum sample.
 */

const Z_95 = 1.959963984540054;

/** Wilson score interval: unlike the normal approximation it stays inside 0..1 for small n. */
export function wilsonInterval(successes: number, n: number, z = Z_95): { low: number; high: number } | null {
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; absolute error below 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Two-sided two-proportion z-test with the pooled proportion; p = 1 when there is no variance. */
export function twoProportionTest(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
): { z: number; pValue: number } {
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (x1 / n1 - x2 / n2) / se;
  return { z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

export interface VariantOutcome {
  name: string;
  /** Cases in the variant. */
  n: number;
  /** Cases paid in full. */
  successes: number;
}

export type Verdict =
  | { kind: 'too-few-cases'; minimumPerVariant: number; smallest: number }
  | { kind: 'no-difference-yet'; leader: string; pValue: number }
  | { kind: 'winner'; winner: string; pValue: number };

/**
 * A winner only when the best variant beats every other one at `alpha` (split over the comparisons);
 * never a bare difference, and no verdict at all below `minimumPerVariant` cases in any variant.
 */
export function experimentVerdict(
  variants: readonly VariantOutcome[],
  { minimumPerVariant = 100, alpha = 0.05 }: { minimumPerVariant?: number; alpha?: number } = {},
): Verdict {
  const smallest = Math.min(...variants.map((v) => v.n));
  if (variants.length < 2 || smallest < minimumPerVariant) {
    return { kind: 'too-few-cases', minimumPerVariant, smallest: Number.isFinite(smallest) ? smallest : 0 };
  }
  const [leader, ...others] = [...variants].sort((a, b) => b.successes / b.n - a.successes / a.n) as [
    VariantOutcome,
    ...VariantOutcome[],
  ];
  const pValue = Math.max(
    ...others.map((o) => twoProportionTest(leader.successes, leader.n, o.successes, o.n).pValue),
  );
  return pValue < alpha / others.length
    ? { kind: 'winner', winner: leader.name, pValue }
    : { kind: 'no-difference-yet', leader: leader.name, pValue };
}
