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
  smooth: Float64Array;
  ema: EmaState;
  /** Bumped whenever the series changes (draw caches compare it). */
  version: number;
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

function grown<T extends Float64Array | Int32Array | Uint16Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as { new (n: number): T })(Math.max(need, a.length * 2, 64));
  b.set(a);
  return b;
}

/** Inserts v at pos in a[0..n) (a has room for n+1). */
function insertAt(a: Float64Array | Int32Array | Uint16Array, n: number, pos: number, v: number): void {
  if (pos < n) a.copyWithin(pos + 1, pos, n);
  a[pos] = v;
}

const newSeries = (metric: string): Series => ({
  metric, n: 0, x: new Float64Array(64), y: new Float64Array(64), row: new Int32Array(64), smooth: new Float64Array(64), ema: newEma(), version: 0,
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
    const changed = new Set<Series>();
    for (const p of points) {
      if (!p || typeof p.x !== 'number' || !Number.isFinite(p.x) || typeof p.values !== 'object' || p.values === null) continue;
      const row = this.rowFor(run, p);
      for (const metric in p.values) {
        const v = p.values[metric];
        if (v !== null && typeof v !== 'number') continue;
        let s = run.metrics.get(metric);
        if (!s) run.metrics.set(metric, (s = newSeries(metric)));
        if (this.put(s, p.x, v === null ? NaN : v, row)) changed.add(s);
        else this.extendSmooth(s);
        s.version++;
        touched.add(metric);
      }
    }
    for (const s of changed) this.resmooth(s);
    return touched;
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
    run.x = grown(run.x, need);
    run.step = grown(run.step, need);
    run.time = grown(run.time, need);
    run.stage = grown(run.stage, need);
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
    s.x = grown(s.x, need);
    s.y = grown(s.y, need);
    s.row = grown(s.row, need);
    s.smooth = grown(s.smooth, need);
  }

  /** Smooths the one value just appended (O(1)). */
  private extendSmooth(s: Series): void {
    smoothAppend(s.y, s.n - 1, s.n, this.weight, s.ema, s.smooth);
  }

  private resmooth(s: Series): void {
    s.ema = smoothAll(s.y, s.n, this.weight, s.smooth);
    s.version++;
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
