// Aggregation over the seeds of one experiment arm, for its mean line and band: the seeds' series are aligned
// on global step (the union of their steps; a seed that did not log a step is interpolated between its
// neighbours, never extrapolated past its own first or last step), then per step the mean over the seeds
// that have a value there and the band (min–max, or mean ± sample standard deviation) where at least two do.
// DOM-free typed-array code: unit-tested directly, fed from the metric store.
import type { NumArray } from '../../protocol/search';

/** How the band around an arm's mean is drawn. */
export type BandKind = 'std' | 'minmax';

/** One seed's series: x ascending (global step), y (NaN = not a number at that step). */
export interface SeedSeries {
  x: NumArray;
  y: NumArray;
  n: number;
}

export interface SeedStats {
  n: number;
  x: Float64Array;
  /** Mean over the seeds with a value at x (NaN when none). */
  mean: Float64Array;
  /** Band edges; NaN where fewer than two seeds have a value. */
  lo: Float64Array;
  hi: Float64Array;
  /** Seeds with a value at x. */
  count: Uint16Array;
}

/** The sorted union of the seeds' finite x values (a k-way merge: each series is already sorted). */
export function unionSteps(seeds: readonly SeedSeries[]): Float64Array {
  let total = 0;
  for (const s of seeds) total += s.n;
  const out = new Float64Array(total);
  const at = new Int32Array(seeds.length);
  let n = 0;
  let last = -Infinity;
  for (;;) {
    let best = Infinity;
    for (let k = 0; k < seeds.length; k++) {
      const s = seeds[k];
      // Skip non-finite and out-of-order x (the store never keeps them; this is defensive).
      while (at[k] < s.n && !(s.x[at[k]] > last && s.x[at[k]] < Infinity)) at[k]++;
      if (at[k] < s.n && s.x[at[k]] < best) best = s.x[at[k]];
    }
    if (best === Infinity) break;
    out[n++] = best;
    last = best;
  }
  return out.subarray(0, n);
}

/**
 * Per-seed values on the steps `xs`: value[k * m + i] is seed k's y at xs[i] — its own point there, else the
 * linear interpolation between its neighbouring points (NaN if either is NaN), NaN outside its own range.
 */
export function alignSeeds(seeds: readonly SeedSeries[], xs: NumArray, m: number): Float64Array {
  const out = new Float64Array(seeds.length * m).fill(NaN);
  seeds.forEach((s, k) => {
    let j = 0;
    const base = k * m;
    for (let i = 0; i < m; i++) {
      const x = xs[i];
      while (j < s.n && s.x[j] < x) j++;
      if (j >= s.n) break;
      if (s.x[j] === x) out[base + i] = s.y[j];
      else if (j > 0) {
        const x0 = s.x[j - 1];
        const t = (x - x0) / (s.x[j] - x0);
        out[base + i] = s.y[j - 1] + t * (s.y[j] - s.y[j - 1]);
      }
    }
  });
  return out;
}

/** Mean, band and count per step of aligned seed values (as alignSeeds returns them). */
export function statsOf(values: Float64Array, seeds: number, xs: NumArray, m: number, band: BandKind): SeedStats {
  const st: SeedStats = {
    n: m, x: Float64Array.from({ length: m }, (_, i) => xs[i]), mean: new Float64Array(m), lo: new Float64Array(m), hi: new Float64Array(m), count: new Uint16Array(m),
  };
  for (let i = 0; i < m; i++) {
    let c = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < seeds; k++) {
      const v = values[k * m + i];
      if (v - v !== 0) continue; // NaN or ±Infinity: no value here
      c++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = c ? sum / c : NaN;
    st.mean[i] = mean;
    st.count[i] = c;
    if (c < 2) {
      st.lo[i] = st.hi[i] = NaN;
    } else if (band === 'minmax') {
      st.lo[i] = min;
      st.hi[i] = max;
    } else {
      let ss = 0;
      for (let k = 0; k < seeds; k++) {
        const v = values[k * m + i];
        if (v - v === 0) ss += (v - mean) * (v - mean);
      }
      const sd = Math.sqrt(ss / (c - 1));
      st.lo[i] = mean - sd;
      st.hi[i] = mean + sd;
    }
  }
  return st;
}

/** The whole aggregation: seeds aligned on the union of their steps, then mean and band per step. */
export function seedStats(seeds: readonly SeedSeries[], band: BandKind): SeedStats {
  const xs = unionSteps(seeds);
  return statsOf(alignSeeds(seeds, xs, xs.length), seeds.length, xs, xs.length, band);
}
