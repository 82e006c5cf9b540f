// Debiased exponential moving average, exactly TensorBoard's scalar smoothing (tensorboard/components/
// vz_line_chart2: last = last·w + (1−w)·y; smoothed = last / (1 − w^n), n = finite values so far; a
// non-finite y is a gap that passes through unsmoothed; a constant series is drawn as is). Incremental, so
// a streamed point costs O(1); the one-time switch out of "constant so far" recomputes the prefix.

export const MAX_SMOOTHING = 0.999;

export interface EmaState {
  last: number;
  /** Finite values accumulated. */
  n: number;
  /** Every value so far equals the first (TensorBoard leaves constant series unsmoothed). */
  constant: boolean;
  first: number;
  /** Values seen (finite or not). */
  count: number;
}

export const newEma = (): EmaState => ({ last: 0, n: 0, constant: true, first: NaN, count: 0 });

export const clampWeight = (w: number): number => (Number.isFinite(w) ? Math.min(Math.max(w, 0), MAX_SMOOTHING) : 0);

/** One step of the EMA proper (ignoring the constant-series rule). */
function emaStep(s: EmaState, w: number, y: number): number {
  if (!Number.isFinite(y)) return y;
  s.last = s.last * w + (1 - w) * y;
  s.n++;
  return w === 1 ? s.last : s.last / (1 - Math.pow(w, s.n));
}

/**
 * Appends ys[from..to) to a smoothed series out[] (same indices), continuing `s`. Equal to smoothing the whole
 * prefix ys[0..to) from scratch — including TensorBoard's constant rule, by recomputing once when it breaks.
 * Returns true when values before `from` were rewritten (that one time).
 */
export function smoothAppend(ys: ArrayLike<number>, from: number, to: number, weight: number, s: EmaState, out: { [i: number]: number }): boolean {
  const w = clampWeight(weight);
  let rewrote = false;
  if (w === 0) {
    // Weight 0 is the identity (last = y, debias 1 − 0ⁿ = 1): skip the arithmetic, keep the state in step.
    for (let i = from; i < to; i++) {
      const y = ys[i];
      if (s.count++ === 0) s.first = y;
      if (s.constant && y !== s.first) s.constant = false;
      if (Number.isFinite(y)) {
        s.last = y;
        s.n++;
      }
      out[i] = y;
    }
    return false;
  }
  for (let i = from; i < to; i++) {
    const y = ys[i];
    if (s.count === 0) s.first = y;
    s.count++;
    if (s.constant && y === s.first) {
      // Still constant: TensorBoard draws raw values (the EMA is built when the series stops being constant).
      out[i] = y;
      continue;
    }
    if (s.constant) {
      // First differing value: the prefix is no longer "constant", so it is smoothed after all.
      s.constant = false;
      rewrote = i > 0;
      const t = newEma();
      t.constant = false;
      for (let j = 0; j < i; j++) out[j] = emaStep(t, w, ys[j]);
      s.last = t.last;
      s.n = t.n;
    }
    out[i] = emaStep(s, w, y);
  }
  return rewrote;
}

/** The whole series smoothed from scratch (what TensorBoard computes on every redraw). */
export function smoothAll(ys: ArrayLike<number>, n: number, weight: number, out: { [i: number]: number }): EmaState {
  const s = newEma();
  smoothAppend(ys, 0, n, weight, s, out);
  return s;
}
