// Min-max-per-pixel downsampling (M4: first, min, max, last of each pixel column, in index order), so a line
// drawn from the output lights exactly the pixels the raw line would — no spike is lost, unlike LTTB or
// Chart.js's decimation (which also breaks with streaming and zoom, DESIGN.md §8). Output goes into reusable
// growable buffers; a non-finite y (or y ≤ 0 on a log axis) is a gap, written as one NaN point.
import { lowerBound, upperBound, type NumArray } from '../common/search';

export class PointBuffer {
  x = new Float64Array(256);
  y = new Float64Array(256);
  n = 0;
  /** Range of y over the output points that lie within [xMin, xMax] (NaN when none). */
  yMin = NaN;
  yMax = NaN;

  push(x: number, y: number): void {
    if (this.n === this.x.length) {
      const nx = new Float64Array(this.n * 2);
      nx.set(this.x);
      this.x = nx;
      const ny = new Float64Array(this.n * 2);
      ny.set(this.y);
      this.y = ny;
    }
    this.x[this.n] = x;
    this.y[this.n] = y;
    this.n++;
  }
}

export interface DownsampleRange {
  xMin: number;
  xMax: number;
  /** Pixel columns across [xMin, xMax]. */
  columns: number;
  /** Log axis: values ≤ 0 cannot be drawn and become gaps. */
  positiveOnly?: boolean;
}

/**
 * Downsamples points (xs ascending, ys) [0, n) visible in the range into `out` (cleared first). One point
 * on each side outside the range is kept so lines run to the plot's edges. Returns out.n.
 */
export function minMaxPerPixel(xs: NumArray, ys: NumArray, n: number, r: DownsampleRange, out: PointBuffer): number {
  out.n = 0;
  out.yMin = NaN;
  out.yMax = NaN;
  if (n === 0 || !(r.xMax >= r.xMin)) return 0;
  const start = Math.max(0, lowerBound(xs, n, r.xMin) - 1);
  const end = Math.min(n, upperBound(xs, n, r.xMax) + 1);
  const span = r.xMax - r.xMin;
  const scale = span > 0 ? r.columns / span : 0;
  const positiveOnly = r.positiveOnly === true;
  let yMin = Infinity;
  let yMax = -Infinity;

  // The open column group: indices of its first, min, max and last points.
  let col = NaN;
  let first = -1;
  let lo = -1;
  let hi = -1;
  let last = -1;
  let gapOpen = true; // nothing emitted yet counts as "after a gap": no leading NaN point

  const emit = (i: number) => {
    const x = xs[i];
    const y = ys[i];
    out.push(x, y);
    if (x >= r.xMin && x <= r.xMax) {
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
  };
  const flush = () => {
    if (first < 0) return;
    emit(first);
    const a = Math.min(lo, hi);
    const b = Math.max(lo, hi);
    if (a !== first) emit(a);
    if (b !== a && b !== first) emit(b);
    if (last !== b && last !== a && last !== first) emit(last);
    first = -1;
    gapOpen = false;
  };

  for (let i = start; i < end; i++) {
    const y = ys[i];
    if (!(Number.isFinite(y) && (!positiveOnly || y > 0))) {
      flush();
      if (!gapOpen) {
        out.push(xs[i], NaN);
        gapOpen = true;
      }
      col = NaN;
      continue;
    }
    const c = Math.floor((xs[i] - r.xMin) * scale);
    if (c !== col || first < 0) {
      flush();
      col = c;
      first = lo = hi = last = i;
      continue;
    }
    if (y < ys[lo]) lo = i;
    if (y > ys[hi]) hi = i;
    last = i;
  }
  flush();
  if (yMin <= yMax) {
    out.yMin = yMin;
    out.yMax = yMax;
  }
  return out.n;
}
