// The Chart.js plugin that fills each seed arm's band (min–max or mean ± std) under the lines. Per pixel
// column it keeps the band's lowest and highest edge (so no excursion is lost, as the lines' min-max
// downsampling keeps spikes), cached until the band, the x range or the plot width changes, and brought up to
// date from its last column when steps were only appended; the band breaks where fewer than two seeds have a
// value. It also tells the line plugin the y range the bands need (kept up to date the same way).
import type { Chart, Plugin } from 'chart.js';
import { lowerBound, upperBound } from '../../protocol/search';
import { withAlpha } from '../common/theme';
import type { SeedBand } from './seedBands';

/** One band downsampled to the plot's columns: runs of points (x, lo, hi), NaN x between runs. */
export interface BandOutline {
  n: number;
  x: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  /** Where a scan resumes after appended steps: the first step of the last column group, and the outline length before it. */
  from: number;
  fromOut: number;
}

export interface Band {
  /** The series (dataset) index whose legend item shows and hides this band. */
  index: number;
  color: string;
  stats: SeedBand;
  /** Changes whenever `stats` is recomputed. */
  version: number;
  /** Changes when steps other than appended ones changed (then outlines and extents rescan). */
  edits: number;
}

export interface BandModel {
  bands(): Band[];
  log(): boolean;
}

/** Per band: its outline for one x range and width, and its y extent for one x range, each resumable after appends. */
interface Cache {
  outlineKey: string;
  outlineVersion: number;
  outline: BandOutline;
  extentKey: string;
  extentVersion: number;
  /** Steps scanned for the extent so far (from the range's first step), and what they gave. */
  extentEnd: number;
  extent: [number, number];
}

export const BAND_ALPHA = 0.22;

const models = new WeakMap<Chart, BandModel>();
const caches = new WeakMap<Chart, Map<number, Cache>>();

export function attachBands(chart: Chart, model: BandModel): void {
  models.set(chart, model);
  caches.set(chart, new Map());
}

const newOutline = (cap: number): BandOutline => ({ n: 0, x: new Float64Array(cap), lo: new Float64Array(cap), hi: new Float64Array(cap), from: 0, fromOut: 0 });

/**
 * The visible part of a band as per-column extremes: two points per column (its first and last x). With
 * `resume`, `out` holds this band's outline for the same range before steps were appended: only its last
 * column group onwards is scanned again.
 */
export function outline(st: SeedBand, xMin: number, xMax: number, columns: number, positiveOnly: boolean, out?: BandOutline, resume = false): BandOutline {
  const n = st.n;
  const end = Math.min(n, upperBound(st.x, n, xMax) + 1);
  const start = resume && out ? out.from : Math.max(0, lowerBound(st.x, n, xMin) - 1);
  const keep = resume && out ? out.fromOut : 0;
  const cap = keep + 2 * Math.max(0, end - start) + 2;
  let o = out ?? newOutline(cap);
  if (o.x.length < cap) {
    const g = newOutline(Math.max(cap, o.x.length * 2));
    g.x.set(o.x.subarray(0, keep));
    g.lo.set(o.lo.subarray(0, keep));
    g.hi.set(o.hi.subarray(0, keep));
    o = g;
  }
  o.n = keep;
  o.from = start;
  o.fromOut = keep;
  const inv = xMax > xMin ? columns / (xMax - xMin) : 0;
  let col = NaN;
  let x0 = 0;
  let x1 = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let open = false;
  const flush = () => {
    o.x[o.n] = x0;
    o.lo[o.n] = lo;
    o.hi[o.n++] = hi;
    if (x1 !== x0) {
      o.x[o.n] = x1;
      o.lo[o.n] = lo;
      o.hi[o.n++] = hi;
    }
  };
  for (let i = start; i < end; i++) {
    const a = st.lo[i];
    const b = st.hi[i];
    const valid = a - a === 0 && b - b === 0 && (!positiveOnly || b > 0);
    if (!valid) {
      if (open) {
        flush();
        o.x[o.n] = NaN;
        o.lo[o.n] = o.hi[o.n] = NaN;
        o.n++;
        open = false;
      }
      continue;
    }
    const c = Math.floor((st.x[i] - xMin) * inv);
    if (open && c === col) {
      x1 = st.x[i];
      if (a < lo) lo = a;
      if (b > hi) hi = b;
      continue;
    }
    if (open) flush();
    open = true;
    o.from = i;
    o.fromOut = o.n;
    col = c;
    x0 = x1 = st.x[i];
    lo = a;
    hi = b;
  }
  if (open) flush();
  return o;
}

const dpr = () => (typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1);

function cacheOf(chart: Chart, band: Band): Cache {
  const cache = caches.get(chart)!;
  let c = cache.get(band.index);
  if (!c) cache.set(band.index, (c = { outlineKey: '', outlineVersion: -1, outline: newOutline(256), extentKey: '', extentVersion: -1, extentEnd: 0, extent: [Infinity, -Infinity] }));
  return c;
}

function outlineFor(chart: Chart, band: Band, log: boolean): BandOutline | undefined {
  const xs = chart.scales.x;
  const area = chart.chartArea;
  if (!xs || !area) return undefined;
  const columns = Math.max(1, Math.round((area.right - area.left) * dpr()));
  const c = cacheOf(chart, band);
  const key = `${band.edits}|${xs.min}|${xs.max}|${columns}|${log}`;
  if (c.outlineKey === key && c.outlineVersion === band.version) return c.outline;
  c.outline = outline(band.stats, xs.min, xs.max, columns, log, c.outline, c.outlineKey === key);
  c.outlineKey = key;
  c.outlineVersion = band.version;
  return c.outline;
}

/** [min lo, max hi] of the visible bands within [xMin, xMax] (for the y axis), or undefined when none. */
export function bandExtent(chart: Chart, xMin: number, xMax: number, log: boolean): [number, number] | undefined {
  const m = models.get(chart);
  if (!m) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const band of m.bands()) {
    if (!chart.isDatasetVisible(band.index)) continue;
    const st = band.stats;
    const c = cacheOf(chart, band);
    const key = `${band.edits}|${xMin}|${xMax}|${log}`;
    if (c.extentKey !== key) {
      c.extentKey = key;
      c.extentEnd = lowerBound(st.x, st.n, xMin);
      c.extent = [Infinity, -Infinity];
      c.extentVersion = -1;
    }
    if (c.extentVersion !== band.version) {
      // Steps appended since: scanned from where the last scan ended.
      const end = upperBound(st.x, st.n, xMax);
      for (let i = c.extentEnd; i < end; i++) {
        const a = st.lo[i];
        const b = st.hi[i];
        if (a - a !== 0 || b - b !== 0) continue;
        if (a < c.extent[0] && (!log || a > 0)) c.extent[0] = a;
        if (b > c.extent[1] && (!log || b > 0)) c.extent[1] = b;
      }
      c.extentEnd = Math.max(c.extentEnd, end);
      c.extentVersion = band.version;
    }
    lo = Math.min(lo, c.extent[0]);
    hi = Math.max(hi, c.extent[1]);
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** The outlines last drawn, per band index (tests check geometry against them). */
export function drawnBands(chart: Chart): Map<number, BandOutline> {
  const out = new Map<number, BandOutline>();
  for (const [i, c] of caches.get(chart) ?? []) out.set(i, c.outline);
  return out;
}

export const bandPlugin: Plugin<'line'> = {
  id: 's2tBands',

  beforeDatasetsDraw(chart) {
    const m = models.get(chart);
    const area = chart.chartArea;
    const xs = chart.scales.x;
    const ys = chart.scales.y;
    if (!m || !area || !xs || !ys) return;
    const log = m.log();
    const bands = m.bands();
    const cache = caches.get(chart)!;
    for (const i of [...cache.keys()]) if (!bands.some((b) => b.index === i)) cache.delete(i);
    const { ctx } = chart;
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.clip();
    // On a log axis an edge at or below 0 is drawn at the bottom of the plot.
    const py = (v: number) => (log && !(v > 0) ? area.bottom + 1 : ys.getPixelForValue(v));
    for (const band of bands) {
      if (!chart.isDatasetVisible(band.index)) continue;
      const o = outlineFor(chart, band, log);
      if (!o) continue;
      ctx.fillStyle = withAlpha(band.color, BAND_ALPHA);
      ctx.beginPath();
      let from = 0;
      for (let i = 0; i <= o.n; i++) {
        if (i < o.n && o.x[i] === o.x[i]) continue;
        // One run [from, i): along the top edge, back along the bottom one.
        if (i === from + 1) {
          // A band one step wide: a thin bar, so it still shows.
          const px = xs.getPixelForValue(o.x[from]);
          ctx.rect(px - 1, py(o.hi[from]), 2, py(o.lo[from]) - py(o.hi[from]));
        } else if (i > from) {
          ctx.moveTo(xs.getPixelForValue(o.x[from]), py(o.hi[from]));
          for (let k = from + 1; k < i; k++) ctx.lineTo(xs.getPixelForValue(o.x[k]), py(o.hi[k]));
          for (let k = i - 1; k >= from; k--) ctx.lineTo(xs.getPixelForValue(o.x[k]), py(o.lo[k]));
          ctx.closePath();
        }
        from = i + 1;
      }
      ctx.fill();
    }
    ctx.restore();
  },
};
