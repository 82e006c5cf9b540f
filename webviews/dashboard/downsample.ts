// Min-max-per-pixel downsampling (M4: first, min, max, last of each pixel column, in index order), so a line
// drawn from the output lights exactly the pixels the raw line would — no spike is lost, unlike LTTB or
// Chart.js's decimation (which also breaks with streaming and zoom, docs/ARCHITECTURE.md#charts). Output goes into reusable
// growable buffers; a non-finite y (or y ≤ 0 on a log axis) is a gap, written as one NaN point.
import { lowerBound, upperBound, type NumArray } from '../../protocol/search';

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

/** Where a scan can be resumed: the start of its last column group (what appended points can change). */
interface Tail {
  i: number;
  outN: number;
  gapOpen: boolean;
  yMin: number;
  yMax: number;
}

/**
 * The scan: points [from, end) into `out` (appending at out.n), grouped by column
 * floor((x − origin) · inv). `tail` comes in as the state at `from` and leaves as the state at the start
 * of the last group. Columns rise with x, so a group's end is found by galloping over column numbers (a few
 * floor computations per pixel column, not one per point) and its extremes by a tight loop that stops at a
 * gap (non-finite y, or y ≤ 0 on a log axis). Plain locals, no closures: this runs over every visible point.
 */
function scan(xs: NumArray, ys: NumArray, from: number, end: number, xMin: number, xMax: number, origin: number, inv: number,
  positiveOnly: boolean, out: PointBuffer, tail: Tail): void {
  let yMin = tail.yMin;
  let yMax = tail.yMax;
  let gapOpen = tail.gapOpen; // after a gap (or at the start): no NaN point needed before the next one
  let i = from;
  while (i < end) {
    const y = ys[i];
    if (!(y - y === 0) || (positiveOnly && !(y > 0))) { // NaN and ±Infinity give NaN
      if (!gapOpen) {
        out.push(xs[i], NaN);
        gapOpen = true;
      }
      i++;
      continue;
    }
    tail.i = i;
    tail.outN = out.n;
    tail.gapOpen = gapOpen;
    tail.yMin = yMin;
    tail.yMax = yMax;
    // The group's end: the first index after i in another column (or `end`), by galloping then bisecting.
    const col = Math.floor((xs[i] - origin) * inv);
    let inside = i;
    let step = 1;
    while (inside + step < end && Math.floor((xs[inside + step] - origin) * inv) === col) {
      inside += step;
      step *= 2;
    }
    let outside = inside + step < end ? inside + step : end;
    while (outside - inside > 1) {
      const mid = (inside + outside) >>> 1;
      if (Math.floor((xs[mid] - origin) * inv) === col) inside = mid;
      else outside = mid;
    }
    // Extremes in index order; a gap ends the group early.
    let lo = i;
    let hi = i;
    let loY = y;
    let hiY = y;
    let j = i + 1;
    for (; j < outside; j++) {
      const v = ys[j];
      if (!(v - v === 0) || (positiveOnly && !(v > 0))) break;
      if (v < loY) {
        lo = j;
        loY = v;
      } else if (v > hiY) {
        hi = j;
        hiY = v;
      }
    }
    const last = j - 1;
    // Flush the group: first, then min and max in index order, then last — each once.
    const a = lo < hi ? lo : hi;
    const b = lo < hi ? hi : lo;
    let k = i;
    for (let s = 0; s < 4; s++) {
      const idx = s === 0 ? i : s === 1 ? a : s === 2 ? b : last;
      if (s > 0 && idx === k) continue;
      if (s > 1 && (idx === i || idx === a)) continue;
      k = idx;
      const x = xs[idx];
      const v = ys[idx];
      out.push(x, v);
      if (x >= xMin && x <= xMax) {
        if (v < yMin) yMin = v;
        if (v > yMax) yMax = v;
      }
    }
    gapOpen = false;
    i = j;
  }
  out.yMin = yMin <= yMax ? yMin : NaN;
  out.yMax = yMin <= yMax ? yMax : NaN;
}

const newTail = (i: number): Tail => ({ i, outN: 0, gapOpen: true, yMin: Infinity, yMax: -Infinity });

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
  // The same column arithmetic as StreamingMinMax (1 / width), so both group points identically.
  scan(xs, ys, start, end, r.xMin, r.xMax, r.xMin, span > 0 ? 1 / (span / r.columns) : 0, r.positiveOnly === true, out, newTail(start));
  return out.n;
}

/**
 * The same downsampling kept up to date for a streamed series: after appends, only the last column group
 * onwards is scanned again, while the columns still fit the pixels. Columns are fixed in data units when
 * computed; as the axis grows they become narrower than a pixel — every group's extremes are still drawn at
 * their own x (no spike is lost; a pixel's extent is off by at most its neighbour's) — and past 1.5× the
 * whole series is scanned again at the new width. A zoom, a wider plot (columns wider than pixels), a
 * log-axis switch or an edit of the series (`edits` changed) also rescans.
 */
export class StreamingMinMax {
  readonly out = new PointBuffer();
  private src: object | undefined;
  private edits = -1;
  private n = 0;
  private xMin = NaN;
  private xMax = NaN;
  private width = NaN;
  private positiveOnly = false;
  private readonly tail = newTail(0);
  /** Points scanned by the last update (tests and the benchmark show the incremental path works). */
  scanned = 0;

  update(src: object, edits: number, xs: NumArray, ys: NumArray, n: number, r: DownsampleRange): PointBuffer {
    const out = this.out;
    const span = r.xMax - r.xMin;
    const positiveOnly = r.positiveOnly === true;
    if (n === 0 || !(span > 0) || !(r.columns > 0)) {
      this.src = undefined;
      this.scanned = n;
      minMaxPerPixel(xs, ys, n, r, out);
      return out;
    }
    const width = span / r.columns;
    const end = Math.min(n, upperBound(xs, n, r.xMax) + 1);
    const resumable = src === this.src && edits === this.edits && n >= this.n && positiveOnly === this.positiveOnly
      && r.xMin === this.xMin && r.xMax >= this.xMax && width >= this.width && width <= this.width * 1.5;
    if (resumable) {
      out.n = this.tail.outN;
      this.scanned = end - this.tail.i;
      scan(xs, ys, this.tail.i, end, r.xMin, r.xMax, r.xMin, 1 / this.width, positiveOnly, out, this.tail);
    } else {
      const start = Math.max(0, lowerBound(xs, n, r.xMin) - 1);
      Object.assign(this.tail, newTail(start));
      out.n = 0;
      this.width = width;
      this.scanned = end - start;
      scan(xs, ys, start, end, r.xMin, r.xMax, r.xMin, 1 / width, positiveOnly, out, this.tail);
    }
    this.src = src;
    this.edits = edits;
    this.n = n;
    this.xMin = r.xMin;
    this.xMax = r.xMax;
    this.positiveOnly = positiveOnly;
    return out;
  }
}
