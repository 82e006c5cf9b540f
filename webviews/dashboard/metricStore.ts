// The dashboard's data: per run, the steps it logged (global x, stage, step, time) and per metric a sparse
// series (only steps that logged it) in growable typed arrays, with its smoothed copy kept up to date
// incrementally. DOM-free, so unit tests drive it directly. Points normally arrive in x order; a repeated x
// (a resumed stage re-logging a step) replaces, an earlier x is inserted.
import type { MetricPoint } from '../../protocol/messages';
import { lowerBound } from '../common/search';
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

/** Inserts v at pos in a[0..n) (a has room for n+1). */
function insertAt(a: Float64Array | Int32Array | Uint16Array, n: number, pos: number, v: number): void {
  if (pos < n) a.copyWithin(pos + 1, pos, n);
  a[pos] = v;
}

const isPoint = (p: MetricPoint | null | undefined): p is MetricPoint =>
  !!p && typeof p.x === 'number' && Number.isFinite(p.x) && typeof p.values === 'object' && p.values !== null;

const newSeries = (metric: string): Series => ({
  metric, n: 0, x: new Float64Array(64), y: new Float64Array(64), row: new Int32Array(64), smooth: new Float64Array(0), ema: newEma(), version: 0, edits: 0,
});

const newRun = (key: string): RunData => ({
  key, n: 0, x: new Float64Array(64), step: new Float64Array(64), time: new Float64Array(64), stage: new Uint16Array(64), stageNames: [], metrics: new Map(),
});

export class MetricStore {
  readonly runs = new Map<string, RunData>();
  private weight = 0;

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

  /** Applies a `dashboard/points` delta. Returns the metrics it touched (to redraw only their charts). */
  ingest(runKey: string, points: readonly MetricPoint[], reset = false): Set<string> {
    const touched = new Set<string>();
    let run = this.runs.get(runKey);
    if (reset || !run) {
      if (run) for (const m of run.metrics.keys()) touched.add(m);
      run = newRun(runKey);
      this.runs.set(runKey, run);
    }
    // One pass appends while points come in x order (the stream); the rest, if any, is merged one by one.
    const done = this.appendAll(run, points, touched);
    if (done < points.length) this.mergeEach(run, points.slice(done).filter(isPoint), touched);
    return touched;
  }

  /**
   * The common case — points after the last, in order: one pass, capacity reserved once, smoothing per
   * series at the end. Malformed points are skipped. Returns the index of the first point it could not
   * append (an earlier or repeated x), or points.length.
   */
  private appendAll(run: RunData, points: readonly MetricPoint[], touched: Set<string>): number {
    const need = run.n + points.length;
    run.x = grownF64(run.x, need);
    run.step = grownF64(run.step, need);
    run.time = grownF64(run.time, need);
    run.stage = grownU16(run.stage, need);
    const from = new Map<Series, number>();
    // Points of one batch almost always carry the same keys in the same order: remember the series found
    // for the j-th key and skip the map lookups when the key matches.
    const keyAt: string[] = [];
    const seriesAt: Series[] = [];
    let stageName: unknown = undefined;
    let stage = 0;
    let k = 0;
    for (; k < points.length; k++) {
      const p = points[k];
      if (!isPoint(p)) continue;
      if (run.n > 0 && !(p.x > run.x[run.n - 1])) break;
      const row = run.n++;
      run.x[row] = p.x;
      run.step[row] = typeof p.step === 'number' ? p.step : NaN;
      run.time[row] = typeof p.time === 'number' ? p.time : NaN;
      if (p.stage !== stageName) {
        stageName = p.stage;
        stage = this.stageIndex(run, String(p.stage ?? ''));
      }
      run.stage[row] = stage;
      const values = p.values;
      let j = 0;
      for (const metric in values) {
        const v = values[metric];
        if (v !== null && typeof v !== 'number') continue;
        let s = keyAt[j] === metric ? seriesAt[j] : undefined;
        if (!s) {
          s = run.metrics.get(metric);
          if (!s) run.metrics.set(metric, (s = newSeries(metric)));
          keyAt[j] = metric;
          seriesAt[j] = s;
          if (!from.has(s)) {
            // First value of this series in the batch: room for the rest of the batch at once.
            this.reserve(s, s.n + points.length - k);
            from.set(s, s.n);
          }
        }
        j++;
        if (s.n === s.x.length) this.reserve(s, s.n + 1);
        s.x[s.n] = p.x;
        s.y[s.n] = v === null ? NaN : v;
        s.row[s.n] = row;
        s.n++;
      }
    }
    for (const [s, start] of from) {
      this.extendSmooth(s, start);
      s.version++;
      touched.add(s.metric);
    }
    return k;
  }

  /** Points at or before the end: one at a time (replace or insert), then re-smooth what changed. */
  private mergeEach(run: RunData, points: readonly MetricPoint[], touched: Set<string>): void {
    const changed = new Set<Series>();
    for (const p of points) {
      const row = this.rowFor(run, p);
      for (const metric in p.values) {
        const v = p.values[metric];
        if (v !== null && typeof v !== 'number') continue;
        let s = run.metrics.get(metric);
        if (!s) run.metrics.set(metric, (s = newSeries(metric)));
        if (this.put(s, p.x, v === null ? NaN : v, row)) changed.add(s);
        else this.extendSmooth(s, s.n - 1);
        s.version++;
        touched.add(metric);
      }
    }
    for (const s of changed) this.resmooth(s);
  }

  /** The run row for p's x: appended, replaced (same x) or inserted (earlier x; later rows shift). */
  private rowFor(run: RunData, p: MetricPoint): number {
    const stage = this.stageIndex(run, String(p.stage ?? ''));
    const step = typeof p.step === 'number' ? p.step : NaN;
    const time = typeof p.time === 'number' ? p.time : NaN;
    let pos = run.n;
    if (run.n > 0 && p.x <= run.x[run.n - 1]) {
      pos = lowerBound(run.x, run.n, p.x);
      if (run.x[pos] === p.x) {
        run.step[pos] = step;
        run.time[pos] = time;
        run.stage[pos] = stage;
        return pos;
      }
      for (const s of run.metrics.values()) for (let i = 0; i < s.n; i++) if (s.row[i] >= pos) s.row[i]++;
    }
    const need = run.n + 1;
    run.x = grownF64(run.x, need);
    run.step = grownF64(run.step, need);
    run.time = grownF64(run.time, need);
    run.stage = grownU16(run.stage, need);
    insertAt(run.x, run.n, pos, p.x);
    insertAt(run.step, run.n, pos, step);
    insertAt(run.time, run.n, pos, time);
    insertAt(run.stage, run.n, pos, stage);
    run.n++;
    return pos;
  }

  private stageIndex(run: RunData, name: string): number {
    const i = run.stageNames.indexOf(name);
    if (i >= 0) return i;
    run.stageNames.push(name);
    return run.stageNames.length - 1;
  }

  /** Puts one value; returns true when it was not a plain append (so the smoothing must be redone). */
  private put(s: Series, x: number, y: number, row: number): boolean {
    if (s.n === 0 || x > s.x[s.n - 1]) {
      this.reserve(s, s.n + 1);
      s.x[s.n] = x;
      s.y[s.n] = y;
      s.row[s.n] = row;
      s.n++;
      return false;
    }
    const pos = lowerBound(s.x, s.n, x);
    if (s.x[pos] === x) {
      s.y[pos] = y;
      s.row[pos] = row;
      return true;
    }
    this.reserve(s, s.n + 1);
    insertAt(s.x, s.n, pos, x);
    insertAt(s.y, s.n, pos, y);
    insertAt(s.row, s.n, pos, row);
    s.n++;
    return true;
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
