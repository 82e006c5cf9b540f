// Aggregation over the seeds of one experiment arm, for its mean line and band: the seeds' series are aligned
// on global step (the union of their steps; a seed that did not log a step is interpolated between its
// neighbours, never extrapolated past its own first or last step), then per step the mean over the seeds
// that have a value there and the band (min–max, or mean ± sample standard deviation) where at least two do.
// Streaming: after seeds only appended, only the steps past the earliest old end of a grown seed are
// recomputed (`updateBand`). DOM-free typed-array code: unit-tested directly, fed from the metric store.
import { upperBound, type NumArray } from '../../protocol/search';

/** How the band around an arm's mean is drawn. */
export type BandKind = 'std' | 'minmax';

/** One seed's series: x ascending (global step), y (NaN = not a number at that step). */
export interface SeedSeries {
  x: NumArray;
  y: NumArray;
  n: number;
}

/** Per step of the union of the seeds' steps (arrays hold at least n entries). */
export interface SeedBand {
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

/** The sorted union of the seeds' finite x values above `after` (a k-way merge: each series is sorted). */
export function unionSteps(seeds: readonly SeedSeries[], after = -Infinity): Float64Array {
  let total = 0;
  for (const s of seeds) total += s.n;
  const out = new Float64Array(total);
  const at = new Int32Array(seeds.length);
  let n = 0;
  let last = after;
  for (;;) {
    let best = Infinity;
    for (let k = 0; k < seeds.length; k++) {
      const s = seeds[k];
      // Skip x at or before the last taken, and non-finite x (the store never keeps them; this is defensive).
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

export const emptyBand = (): SeedBand => ({ n: 0, x: new Float64Array(0), mean: new Float64Array(0), lo: new Float64Array(0), hi: new Float64Array(0), count: new Uint16Array(0) });

/** Room for `need` steps (doubling, keeping the first `keep`). */
function reserve(b: SeedBand, need: number, keep: number): void {
  if (need <= b.x.length) return;
  const cap = Math.max(need, b.x.length * 2, 64);
  const grow = <T extends Float64Array | Uint16Array>(a: T, make: (n: number) => T): T => {
    const c = make(cap);
    c.set(a.subarray(0, keep));
    return c;
  };
  b.x = grow(b.x, (n) => new Float64Array(n));
  b.mean = grow(b.mean, (n) => new Float64Array(n));
  b.lo = grow(b.lo, (n) => new Float64Array(n));
  b.hi = grow(b.hi, (n) => new Float64Array(n));
  b.count = grow(b.count, (n) => new Uint16Array(n));
}

/** Writes mean, band and count of aligned seed values (as alignSeeds returns them) into `out` from step `at`. */
export function statsInto(values: Float64Array, seeds: number, xs: NumArray, m: number, band: BandKind, out: SeedBand, at: number): void {
  reserve(out, at + m, at);
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
    const o = at + i;
    const mean = c ? sum / c : NaN;
    out.x[o] = xs[i];
    out.mean[o] = mean;
    out.count[o] = c;
    if (c < 2) {
      out.lo[o] = out.hi[o] = NaN;
    } else if (band === 'minmax') {
      out.lo[o] = min;
      out.hi[o] = max;
    } else {
      let ss = 0;
      for (let k = 0; k < seeds; k++) {
        const v = values[k * m + i];
        if (v - v === 0) ss += (v - mean) * (v - mean);
      }
      const sd = Math.sqrt(ss / (c - 1));
      out.lo[o] = mean - sd;
      out.hi[o] = mean + sd;
    }
  }
  out.n = at + m;
}

/**
 * Brings `out` up to date for these seeds: the steps at or before `after` are kept (they did not change: the
 * seeds only appended points past it), the rest recomputed — everything with `after` = -Infinity.
 */
export function updateBand(seeds: readonly SeedSeries[], band: BandKind, out: SeedBand, after = -Infinity): void {
  const keep = after === -Infinity ? 0 : upperBound(out.x, out.n, after);
  // Each seed from its last point at or before `after` (the left neighbour for interpolation) on.
  const tails = seeds.map((s) => {
    const j = Math.max(0, upperBound(s.x, s.n, after) - 1);
    return j === 0 ? s : { x: sub(s.x, j, s.n), y: sub(s.y, j, s.n), n: s.n - j };
  });
  // The seeds' new points all lie past `after` (each past its own old end, and `after` is the earliest of those).
  const xs = unionSteps(tails, after);
  statsInto(alignSeeds(tails, xs, xs.length), seeds.length, xs, xs.length, band, out, keep);
}

const sub = (a: NumArray, from: number, to: number): NumArray =>
  a instanceof Float64Array ? a.subarray(from, to) : Array.from({ length: to - from }, (_, i) => a[from + i]);

/** The whole aggregation: seeds aligned on the union of their steps, then mean and band per step. */
export function seedBands(seeds: readonly SeedSeries[], band: BandKind): SeedBand {
  const out = emptyBand();
  updateBand(seeds, band, out);
  return out;
}
