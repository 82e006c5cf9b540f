// Statistics over seeds, the unit an experiment repeats: the mean with its 95 % t-interval (Student's t with
// n − 1 degrees of freedom — with 5 seeds the half-width is 2.776 standard errors, not 1.96), and the same for
// paired differences between two arms run from one shared warm-up per seed.
import { mean } from '../../protocol/stats';

/** Two-sided 95 % quantiles of Student's t, by degrees of freedom 1..30 (beyond: the normal 1.96). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export const t95 = (df: number): number => (df < 1 ? NaN : df <= 30 ? T95[df - 1] : 1.96);

export interface SeedSummary {
  /** Seeds with a finite value. */
  n: number;
  mean: number;
  /** Half-width of the 95 % interval of the mean (NaN with fewer than 2 values). */
  half: number;
  /** The values, in seed order (NaN where a seed has none). */
  values: number[];
}

export function summarizeSeeds(values: readonly number[]): SeedSummary {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  const m = mean(xs);
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1)) : NaN;
  return { n, mean: m, half: t95(n - 1) * sd / Math.sqrt(n), values: [...values] };
}

/** a − b seed by seed (only seeds where both are finite count), summarised. */
export function pairedSeeds(a: readonly number[], b: readonly number[]): SeedSummary {
  if (a.length !== b.length) throw new RangeError(`pairedSeeds: ${a.length} vs ${b.length} seeds`);
  return summarizeSeeds(a.map((x, i) => (Number.isFinite(x) && Number.isFinite(b[i]) ? x - b[i] : NaN)));
}

/** Whether a summary's 95 % interval excludes 0. */
export const excludesZero = (s: SeedSummary): boolean => Number.isFinite(s.half) && Math.abs(s.mean) > s.half;
