// The Chart.js plugin that draws our series (docs/ARCHITECTURE.md#charts: the only variant under 16 ms per update for
// 10 series × 100 k points). Chart.js keeps axes, grid and legend; its datasets stay empty. Before each
// update we pick the x range (the shared zoom or the data's extent), downsample every visible series
// min-max per pixel from the store's typed arrays into reusable buffers, and fit y; the limits go straight
// onto the scales in afterDataLimits (options written in beforeUpdate would apply one update late); after
// layout we redo the downsample if the plot width changed; then we draw stage boundaries under the lines
// and the lines with plain lineTo calls. A zoom or pan by chartjs-plugin-zoom is an update too. A streamed
// point that leaves the axis limits as they were (they keep some room past a growing series) skips the
// Chart.js update altogether: `redrawData` brings the downsample up to date and only draws.
import type { Chart, Plugin } from 'chart.js';
import type { RunInfo } from '../../protocol/messages';
import type { Series } from './metricStore';
import { StreamingMinMax, type PointBuffer } from './downsample';
import { withAlpha, type Theme } from '../common/theme';
import { drawStageMarks } from './stageMarks';

export interface SeriesDef {
  key: string;
  run: string;
  metric: string;
  label: string;
  color: string;
  dash: number[];
}

/** What a chart card gives the plugin (looked up per chart). */
export interface CardModel {
  series: SeriesDef[];
  data(def: SeriesDef): Series | undefined;
  runs(): RunInfo[];
  runColor(run: string): string;
  theme(): Theme;
  smoothing(): number;
  log(): boolean;
  /** The shared zoom, or null to fit the data. */
  viewRange(): [number, number] | null;
  /** Data extent over this chart's series. */
  extent(): [number, number];
  /** chartjs-plugin-zoom moved this chart's x axis to [min, max]. */
  onUserRange(range: [number, number]): void;
  /** The y range other layers drawn in [xMin, xMax] need (the seed bands), which the y axis holds too. */
  extraY?(chart: Chart, xMin: number, xMax: number, log: boolean): [number, number] | undefined;
}

/** Time spent in our parts of the last update, for the benchmark's breakdown. */
export interface DrawTimes {
  downsampleMs: number;
  linesMs: number;
}

interface DrawState {
  times: DrawTimes;
  /** Per series index: the downsampled raw and smoothed lines, kept up to date incrementally. */
  raw: StreamingMinMax[];
  smooth: StreamingMinMax[];
  columns: number;
  /** The axis limits of this update. */
  xMin: number;
  xMax: number;
  y?: [number, number];
  /** Whether the x limits of the last update followed the data (no zoom), and whether y was logarithmic. */
  follow: boolean;
  yLog: boolean;
}

/**
 * Room left past a growing series while the axes follow the data (share of the span): an appended point
 * that stays inside changes no axis, so the chart is only redrawn, not laid out again (a Chart.js update
 * with new limits costs ~2 ms per chart; a redraw ~0.3 ms).
 */
export const GROWTH = 0.05;

const EMPTY = {};
const EMPTY_ARRAY = new Float64Array(0);
const models = new WeakMap<Chart, CardModel>();
const states = new WeakMap<Chart, DrawState>();

export function attachModel(chart: Chart, model: CardModel): void {
  models.set(chart, model);
  states.set(chart, { raw: [], smooth: [], columns: 0, xMin: 0, xMax: 1, follow: false, yLog: false, times: { downsampleMs: 0, linesMs: 0 } });
}

const dpr = () => (typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1);

/** Downsamples every visible series for the chart's current x range into the draw state's buffers. */
function downsampleAll(chart: Chart, m: CardModel, st: DrawState, xMin: number, xMax: number, columns: number): void {
  const t0 = performance.now();
  st.columns = columns;
  const positiveOnly = m.log();
  const smoothing = m.smoothing() > 0;
  m.series.forEach((def, i) => {
    const raw = (st.raw[i] ??= new StreamingMinMax());
    const sm = (st.smooth[i] ??= new StreamingMinMax());
    const s = m.data(def);
    const r = { xMin, xMax, columns, positiveOnly };
    const none = !s || !chart.isDatasetVisible(i);
    // A hidden or missing series draws nothing (an empty array, n 0).
    raw.update(none ? EMPTY : s, none ? 0 : s.edits, none ? EMPTY_ARRAY : s.x, none ? EMPTY_ARRAY : s.y, none ? 0 : s.n, r);
    if (smoothing && !none) sm.update(s.smooth, s.edits, s.x, s.smooth, s.n, r);
    else sm.update(EMPTY, 0, EMPTY_ARRAY, EMPTY_ARRAY, 0, r);
  });
  st.raw.length = st.smooth.length = m.series.length;
  st.times.downsampleMs += performance.now() - t0;
}

/** The y extent of what is drawn (the downsampled lines within the x range, and `layers`), or undefined when nothing is. */
function dataY(st: DrawState, layers?: [number, number]): [number, number] | undefined {
  let lo = layers ? layers[0] : Infinity;
  let hi = layers ? layers[1] : -Infinity;
  for (const d of [...st.raw, ...st.smooth]) {
    const b = d.out;
    if (b.n && b.yMin < lo) lo = b.yMin;
    if (b.n && b.yMax > hi) hi = b.yMax;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** y limits that fit [lo, hi] with 5 % padding (in decades on a log axis). */
function padY([lo, hi]: [number, number], log: boolean): [number, number] {
  if (log) {
    const decades = Math.log10(hi / lo);
    const pad = decades > 0 ? Math.pow(10, decades * 0.05) : 2;
    return [lo / pad, hi * pad];
  }
  const span = hi - lo;
  const pad = span > 0 ? span * 0.05 : Math.max(Math.abs(hi) * 0.1, 1);
  return [lo - pad, hi + pad];
}

/**
 * The x limits: the shared zoom, else the data's extent. While the axis follows a growing series it keeps
 * its limits as long as the data ends within the GROWTH room, and when the data passes the end it gets that
 * room again. Returns [min, max, follows the data].
 */
function chooseX(m: CardModel, st: DrawState): [number, number, boolean] {
  const view = m.viewRange();
  if (view) return [view[0], view[1], false];
  let [lo, hi] = m.extent();
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  else if (st.follow && lo === st.xMin) {
    if (hi <= st.xMax && st.xMax - hi <= GROWTH * (st.xMax - lo) * (1 + 1e-9)) return [st.xMin, st.xMax, true];
    if (hi > st.xMax) return [lo, hi + GROWTH * (hi - lo), true];
  }
  return [lo, hi, true];
}

/**
 * The y limits: the data with 5 % padding. While following the data (`follow`: this update and the last
 * one), the last limits stay as long as they hold the data and are not much looser than a fresh fit, and a
 * side the data outgrew gets GROWTH extra room — so a noisy or rising curve is not re-laid out every point.
 */
function chooseY(st: DrawState, log: boolean, follow: boolean, layers?: [number, number]): [number, number] | undefined {
  const d = dataY(st, layers);
  if (!d) return undefined;
  const fit = padY(d, log);
  const prev = st.y;
  if (!follow || !prev || log !== st.yLog) return fit;
  const f = log ? Math.log10 : (v: number) => v;
  const span = (r: [number, number]) => f(r[1]) - f(r[0]);
  if (prev[0] <= d[0] && d[1] <= prev[1] && span(prev) <= 1.25 * span(fit)) return prev;
  const extra = GROWTH * span(fit);
  const g = log ? (v: number, k: number) => v * Math.pow(10, k) : (v: number, k: number) => v + k;
  return [d[0] < prev[0] ? g(fit[0], -extra) : fit[0], d[1] > prev[1] ? g(fit[1], extra) : fit[1]];
}

const sameRange = (a: [number, number] | undefined, b: [number, number] | undefined) => a === b || (!!a && !!b && a[0] === b[0] && a[1] === b[1]);

/**
 * Redraws the chart without a Chart.js update when only the data changed and the axes keep their limits
 * (the usual streamed point): the downsample is brought up to date and the chart drawn again. Returns false,
 * drawing nothing, when the chart must be updated instead (limits, plot width or scale type changed).
 */
export function redrawData(chart: Chart): boolean {
  const m = models.get(chart);
  const st = states.get(chart);
  const area = chart.chartArea;
  if (!m || !st || !area || !(area.right > area.left)) return false;
  const [lo, hi, follow] = chooseX(m, st);
  const columns = Math.max(1, Math.round((area.right - area.left) * dpr()));
  if (lo !== st.xMin || hi !== st.xMax || follow !== st.follow || columns !== st.columns || m.log() !== st.yLog) return false;
  st.times.downsampleMs = st.times.linesMs = 0;
  downsampleAll(chart, m, st, lo, hi, columns);
  if (!sameRange(chooseY(st, m.log(), follow, m.extraY?.(chart, lo, hi, m.log())), st.y)) return false;
  chart.render();
  return true;
}

/** Pixel mapping of a linear or log axis as a + b·f(v), derived from the scale itself. */
function axisMap(scale: { min: number; max: number; getPixelForValue(v: number): number }, log: boolean) {
  const f = log ? Math.log10 : (v: number) => v;
  const p0 = scale.getPixelForValue(scale.min);
  const p1 = scale.getPixelForValue(scale.max);
  const d = f(scale.max) - f(scale.min);
  const b = d !== 0 ? (p1 - p0) / d : 0;
  const a = p0 - b * f(scale.min);
  return { a, b, f };
}

function strokeBuffer(ctx: CanvasRenderingContext2D, buf: PointBuffer, mx: ReturnType<typeof axisMap>, my: ReturnType<typeof axisMap>, logY: boolean): void {
  const { x, y, n } = buf;
  ctx.beginPath();
  let penDown = false;
  for (let i = 0; i < n; i++) {
    const yv = y[i];
    if (yv !== yv) {
      penDown = false;
      continue;
    }
    const px = mx.a + mx.b * x[i];
    const py = my.a + my.b * (logY ? Math.log10(yv) : yv);
    if (penDown) ctx.lineTo(px, py);
    else {
      ctx.moveTo(px, py);
      penDown = true;
      // A lone point (gaps or edges on both sides) has no segment to show: draw it as a dot.
      const next = i + 1 < n ? y[i + 1] : NaN;
      if (next !== next) ctx.rect(px - 1, py - 1, 2, 2);
    }
  }
  ctx.stroke();
}

export const seriesPlugin: Plugin<'line'> = {
  id: 's2tSeries',

  beforeUpdate(chart) {
    const m = models.get(chart);
    const st = states.get(chart);
    if (!m || !st) return;
    st.times.downsampleMs = st.times.linesMs = 0;
    // chartjs-plugin-zoom writes its new range into the x options, then updates: a range there that is not
    // the one we wrote last is the user's zoom or pan — adopt it as the shared range.
    const xo = chart.options.scales!.x!;
    if (typeof xo.min === 'number' && typeof xo.max === 'number' && xo.min < xo.max && (xo.min !== st.xMin || xo.max !== st.xMax)) {
      m.onUserRange([xo.min, xo.max]);
    }
    const [lo, hi, follow] = chooseX(m, st);
    st.xMin = lo;
    st.xMax = hi;
    const area = chart.chartArea;
    const width = area && area.right > area.left ? area.right - area.left : Math.max(chart.width - 70, 50);
    downsampleAll(chart, m, st, lo, hi, Math.max(1, Math.round(width * dpr())));
    st.y = chooseY(st, m.log(), follow && st.follow, m.extraY?.(chart, lo, hi, m.log()));
    st.follow = follow;
    st.yLog = m.log();
  },

  // Axis limits are ours: set after Chart.js computed its own (from empty datasets), before ticks are built.
  // Also written into the scale's live options, so ticks treat them as user bounds (nice ticks inside exact
  // limits) — options written in beforeUpdate would only apply one update later.
  afterDataLimits(chart, args) {
    const st = states.get(chart);
    const scale = args.scale;
    if (!st) return;
    const set = (lo: number | undefined, hi: number | undefined) => {
      const o = scale.options as { min?: number; max?: number };
      o.min = lo;
      o.max = hi;
      if (lo !== undefined && hi !== undefined) {
        scale.min = lo;
        scale.max = hi;
      }
    };
    if (scale.id === 'x') set(st.xMin, st.xMax);
    else if (scale.id === 'y') set(st.y?.[0], st.y?.[1]);
  },

  afterLayout(chart) {
    const m = models.get(chart);
    const st = states.get(chart);
    const area = chart.chartArea;
    if (!m || !st || !area) return;
    const columns = Math.max(1, Math.round((area.right - area.left) * dpr()));
    // Columns must match the plot's pixels for min-max to keep every spike exactly.
    if (columns !== st.columns) downsampleAll(chart, m, st, st.xMin, st.xMax, columns);
  },

  beforeDraw(chart) {
    // An opaque background in the theme colour, so exported PNGs look like the panel.
    const m = models.get(chart);
    if (!m) return;
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = m.theme().background;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },

  beforeDatasetsDraw(chart) {
    const m = models.get(chart);
    if (!m) return;
    const shown = new Set(m.series.map((d) => d.run));
    drawStageMarks(chart, m.runs().filter((r) => shown.has(r.key)), (run) => m.runColor(run), m.theme());
  },

  afterDatasetsDraw(chart) {
    const m = models.get(chart);
    const st = states.get(chart);
    const area = chart.chartArea;
    const xs = chart.scales.x;
    const ys = chart.scales.y;
    if (!m || !st || !area || !xs || !ys) return;
    const logY = m.log();
    const mx = axisMap(xs, false);
    const my = axisMap(ys, logY);
    const smoothing = m.smoothing() > 0;
    const { ctx } = chart;
    const t0 = performance.now();
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.clip();
    ctx.lineJoin = 'round';
    m.series.forEach((def, i) => {
      if (!chart.isDatasetVisible(i)) return;
      ctx.setLineDash(def.dash);
      ctx.strokeStyle = smoothing ? withAlpha(def.color, 0.3) : def.color;
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = smoothing ? 1 : 1.5;
      if (st.raw[i]) strokeBuffer(ctx, st.raw[i].out, mx, my, logY);
      if (smoothing && st.smooth[i]) {
        ctx.strokeStyle = ctx.fillStyle = def.color;
        ctx.lineWidth = 2;
        strokeBuffer(ctx, st.smooth[i].out, mx, my, logY);
      }
    });
    ctx.restore();
    st.times.linesMs = performance.now() - t0;
  },
};

export function drawTimes(chart: Chart): DrawTimes | undefined {
  return states.get(chart)?.times;
}

/** The points the plugin drew last for series i (raw), for tests and hit-testing near spikes. */
export function drawnPoints(chart: Chart, i: number): PointBuffer | undefined {
  return states.get(chart)?.raw[i]?.out;
}

/** Points the downsampling scanned in the last update, summed over the chart's series. */
export function scannedPoints(chart: Chart): number {
  const st = states.get(chart);
  let sum = 0;
  for (const d of [...(st?.raw ?? []), ...(st?.smooth ?? [])]) sum += d.scanned;
  return sum;
}
