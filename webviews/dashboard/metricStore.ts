// The dashboard's data: per run, the steps it logged (global x, stage, step, time) and per metric a sparse
// series (only steps that logged it) in growable typed arrays, with its smoothed copy kept up to date
// incrementally. Fed by the host's column messages, copied number by number (no object per point). DOM-free,
// so unit tests drive it directly. It only appends or resets: the host has decided de-duplication and rewinds
// (docs/ARCHITECTURE.md#a-metrics-path), so a row whose x goes back is a malformed message and is dropped.
import { fromWire, type MetricColumn, type MetricColumns } from '../../protocol/messages';
import { isObj } from '../../protocol/guards';
import { newEma, smoothAll, smoothAppend, type EmaState } from './smoothing';
import { toCsv, type Cell } from './csv';

export interface Series {
  metric: string;
  n: number;
  x: Float64Array;
  y: Float64Array;
  /** Index of the run row (step) each point belongs to. */
  row: Int32Array;
  /** The smoothed values; kept (and allocated) only while the smoothing weight is above 0. */
  smooth: Float64Array;
  ema: EmaState;
  /** Bumped whenever the series changes. */
  version: number;
  /** Bumped when values other than appended ones changed (replaced, inserted, re-smoothed): draw caches rescan. */
  edits: number;
}

export interface RunData {
  key: string;
  n: number;
  x: Float64Array;
  step: Float64Array;
  time: Float64Array;
  stage: Uint16Array;
  stageNames: string[];
  metrics: Map<string, Series>;
}

// One growth function per array type keeps each call site monomorphic (this runs per streamed point).
function grownF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2, 64));
  b.set(a);
  return b;
}
function grownI32(a: Int32Array, need: number): Int32Array {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2, 64));
  b.set(a);
  return b;
}
function grownU16(a: Uint16Array, need: number): Uint16Array {
  if (need <= a.length) return a;
  const b = new Uint16Array(Math.max(need, a.length * 2, 64));
  b.set(a);
  return b;
}

/** One metric column, checked: its values and (when sparse) rows, `m` entries usable. */
interface Column {
  name: string;
  v: unknown[];
  rows?: unknown[];
  m: number;
}

function columnsOf(c: MetricColumns, n: number): Column[] {
  const out: Column[] = [];
  if (!isObj(c.metrics)) return out;
  for (const name in c.metrics) {
    const col = c.metrics[name] as MetricColumn | unknown;
    if (!isObj(col) || !Array.isArray(col.v)) continue;
    const rows = Array.isArray(col.rows) ? col.rows : undefined;
    out.push({ name, v: col.v, rows, m: rows ? Math.min(rows.length, col.v.length) : Math.min(col.v.length, n) });
  }
  return out;
}

/** dst[at + i] = src[i] for i < k, NaN where src[i] is not a number. One tight loop per column (optimised early). */
function copyColumn(src: unknown[] | undefined, k: number, dst: Float64Array, at: number): void {
  const m = src ? Math.min(k, src.length) : 0;
  for (let i = 0; i < m; i++) {
    const v = src![i];
    dst[at + i] = typeof v === 'number' ? v : NaN;
  }
  if (m < k) dst.fill(NaN, at + m, at + k);
}

/**
 * Appends a column's entries for rows [0, k) to series s (room reserved), x from the run rows written at
 * `base`. Stops at a row that does not ascend or is ≥ k (malformed, or a dropped row). Plain locals in the
 * loop: it runs once per streamed value.
 */
function appendColumn(col: Column, s: Series, runX: Float64Array, base: number, k: number): void {
  const sx = s.x;
  const sy = s.y;
  const sr = s.row;
  const vs = col.v;
  const rows = col.rows;
  let w = s.n;
  let j = 0;
  if (!rows) {
    const m = Math.min(col.m, k);
    for (; j < m; j++) {
      const y = fromWire(vs[j]);
      if (y === undefined) continue;
      sx[w] = runX[base + j];
      sy[w] = y;
      sr[w] = base + j;
      w++;
    }
  } else {
    let prev = -1;
    for (; j < col.m; j++) {
      const r = rows[j];
      if (typeof r !== 'number' || !(r > prev) || r >= k || !Number.isInteger(r)) break;
      prev = r;
      const y = fromWire(vs[j]);
      if (y === undefined) continue;
      sx[w] = runX[base + r];
      sy[w] = y;
      sr[w] = base + r;
      w++;
    }
  }
  s.n = w;
}

const newSeries = (metric: string): Series => ({
  metric, n: 0, x: new Float64Array(64), y: new Float64Array(64), row: new Int32Array(64), smooth: new Float64Array(0), ema: newEma(), version: 0, edits: 0,
});

const newRun = (key: string): RunData => ({
  key, n: 0, x: new Float64Array(64), step: new Float64Array(64), time: new Float64Array(64), stage: new Uint16Array(64), stageNames: [], metrics: new Map(),
});

export class MetricStore {
  readonly runs = new Map<string, RunData>();
  private weight = 0;
  /** Rows dropped because their x was not a number at or after the run's last x (a malformed message). */
  dropped = 0;

  get smoothing(): number {
    return this.weight;
  }

  /** Changes the smoothing weight: every series is re-smoothed (O(total points), ~1 ms per 100 k). */
  setSmoothing(w: number): void {
    if (w === this.weight) return;
    this.weight = w;
    for (const run of this.runs.values()) for (const s of run.metrics.values()) this.resmooth(s);
  }

  /** Keeps only these runs. */
  retainRuns(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const k of [...this.runs.keys()]) if (!keep.has(k)) this.runs.delete(k);
  }

  /** Applies a `dashboard/columns` delta. Returns the metrics it touched (to redraw only their charts). */
  ingest(runKey: string, c: MetricColumns, reset = false): Set<string> {
    const touched = new Set<string>();
    let run = this.runs.get(runKey);
    if (reset || !run) {
      if (run) for (const m of run.metrics.keys()) touched.add(m);
      run = newRun(runKey);
      this.runs.set(runKey, run);
    }
    const xs: unknown[] = Array.isArray(c?.x) ? c.x : [];
    const n = xs.length;
    if (!n) return touched;
    const steps = Array.isArray(c.step) ? c.step : undefined;
    const times = Array.isArray(c.time) ? c.time : undefined;
    const stages = this.stagesOf(run, c, n);
    const cols = columnsOf(c, n);
    // One pass copies the rows at or after the run's last x, in order; a row that goes back ends the message.
    this.dropped += n - this.appendRows(run, xs, steps, times, stages, cols, touched);
    return touched;
  }

  /** Stage index (into run.stageNames) per row, from the run-length encoding; '' where it runs short. */
  private stagesOf(run: RunData, c: MetricColumns, n: number): Uint16Array {
    const out = new Uint16Array(n);
    const names = Array.isArray(c.stages) ? c.stages : [];
    const counts = Array.isArray(c.stageRows) ? c.stageRows : [];
    let i = 0;
    for (let k = 0; k < names.length && i < n; k++) {
      const count = Math.min(n - i, Math.max(0, Math.floor(Number(counts[k]) || 0)));
      out.fill(this.stageIndex(run, String(names[k] ?? '')), i, i + count);
      i += count;
    }
    if (i < n) out.fill(this.stageIndex(run, ''), i, n);
    return out;
  }

  /**
   * Rows at or after the last, in x order: capacity reserved once, every column copied in one pass, smoothing
   * per series at the end. Returns how many rows it appended (up to the first whose x is not a finite number
   * at or after the one before).
   */
  private appendRows(run: RunData, xs: unknown[], steps: unknown[] | undefined, times: unknown[] | undefined, stages: Uint16Array,
    cols: Column[], touched: Set<string>): number {
    const n = xs.length;
    let last = run.n > 0 ? run.x[run.n - 1] : -Infinity;
    let k = 0;
    for (; k < n; k++) {
      const x = xs[k];
      if (typeof x !== 'number' || !(x >= last) || x === Infinity || x === -Infinity) break;
      last = x;
    }
    if (k === 0) return 0;
    const base = run.n;
    const need = base + k;
    run.x = grownF64(run.x, need);
    run.step = grownF64(run.step, need);
    run.time = grownF64(run.time, need);
    run.stage = grownU16(run.stage, need);
    copyColumn(xs, k, run.x, base);
    copyColumn(steps, k, run.step, base);
    copyColumn(times, k, run.time, base);
    run.stage.set(stages.subarray(0, k), base);
    run.n = need;
    for (const col of cols) {
      let s = run.metrics.get(col.name);
      if (!s) run.metrics.set(col.name, (s = newSeries(col.name)));
      const start = s.n;
      this.reserve(s, start + Math.min(col.m, k));
      appendColumn(col, s, run.x, base, k);
      if (s.n > start) {
        this.extendSmooth(s, start);
        s.version++;
        touched.add(col.name);
      } else if (s.n === 0) run.metrics.delete(col.name); // nothing but non-values: no series
    }
    return k;
  }

  private stageIndex(run: RunData, name: string): number {
    const i = run.stageNames.indexOf(name);
    if (i >= 0) return i;
    run.stageNames.push(name);
    return run.stageNames.length - 1;
  }

  private reserve(s: Series, need: number): void {
    s.x = grownF64(s.x, need);
    s.y = grownF64(s.y, need);
    s.row = grownI32(s.row, need);
  }

  /** Smooths the values appended from `from` on (O(appended)); nothing while smoothing is off. */
  private extendSmooth(s: Series, from: number): void {
    if (this.weight === 0) return;
    s.smooth = grownF64(s.smooth, s.n);
    if (smoothAppend(s.y, from, s.n, this.weight, s.ema, s.smooth)) s.edits++;
  }

  private resmooth(s: Series): void {
    if (this.weight === 0) {
      // Off: drop the copy (a later weight above 0 smooths from scratch again).
      s.smooth = new Float64Array(0);
      s.ema = smoothAll(s.y, 0, 0, s.smooth);
    } else {
      s.smooth = grownF64(s.smooth, s.n);
      s.ema = smoothAll(s.y, s.n, this.weight, s.smooth);
    }
    s.version++;
    s.edits++;
  }

  /** [min, max] of x over the given runs' series of the given metrics (NaN, NaN when there are none). */
  extentX(metrics: readonly string[], runKeys?: Iterable<string>): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const key of runKeys ?? this.runs.keys()) {
      const run = this.runs.get(key);
      if (!run) continue;
      for (const m of metrics) {
        const s = run.metrics.get(m);
        if (!s || s.n === 0) continue;
        if (s.x[0] < lo) lo = s.x[0];
        if (s.x[s.n - 1] > hi) hi = s.x[s.n - 1];
      }
    }
    return lo <= hi ? [lo, hi] : [NaN, NaN];
  }

  /**
   * Wide CSV of the given metrics: one row per logged step of each run (run, stage, step, global_step, time,
   * then one column per metric; a step that did not log a metric leaves its cell empty).
   */
  toCsv(metrics: readonly string[], runLabel: (key: string) => string, runKeys?: Iterable<string>): string {
    const header = ['run', 'stage', 'step', 'global_step', 'time', ...metrics];
    const rows: Cell[][] = [];
    for (const key of runKeys ?? this.runs.keys()) {
      const run = this.runs.get(key);
      if (!run) continue;
      const cols = metrics.map((m) => {
        const col = new Float64Array(run.n).fill(NaN);
        const has = new Uint8Array(run.n);
        const s = run.metrics.get(m);
        if (s) for (let i = 0; i < s.n; i++) {
          col[s.row[i]] = s.y[i];
          has[s.row[i]] = 1;
        }
        return { col, has };
      });
      const label = runLabel(key);
      for (let r = 0; r < run.n; r++) {
        if (!cols.some((c) => c.has[r])) continue;
        rows.push([label, run.stageNames[run.stage[r]], run.step[r], run.x[r], run.time[r], ...cols.map((c) => (c.has[r] ? c.col[r] : null))]);
      }
    }
    return toCsv(header, rows);
  }
}
