// The dashboard's data: per run, the steps it logged (global x, stage, step, time) and per metric a sparse
// series (only steps that logged it) in growable typed arrays, with its smoothed copy kept up to date
// incrementally. Fed by the host's column messages, copied number by number (no object per point). DOM-free,
// so unit tests drive it directly. Rows normally arrive in x order; a repeated x (a resumed stage re-logging a
// step) replaces, an earlier x is inserted.
import type { MetricColumn, MetricColumns } from '../../protocol/messages';
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

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numAt = (a: unknown[] | undefined, i: number): number => {
  const v = a?.[i];
  return typeof v === 'number' ? v : NaN;
};

/** One metric column, checked: its values and (when sparse) rows, `m` entries usable. */
interface Column {
  name: string;
  v: unknown[];
  rows?: unknown[];
  m: number;
  /** Next entry to apply. */
  at: number;
}

function columnsOf(c: MetricColumns, n: number): Column[] {
  const out: Column[] = [];
  if (!isObj(c.metrics)) return out;
  for (const name in c.metrics) {
    const col = c.metrics[name] as MetricColumn | unknown;
    if (!isObj(col) || !Array.isArray(col.v)) continue;
    const rows = Array.isArray(col.rows) ? col.rows : undefined;
    out.push({ name, v: col.v, rows, m: rows ? Math.min(rows.length, col.v.length) : Math.min(col.v.length, n), at: 0 });
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
 * `base`. Stops at a row that does not ascend (malformed) or is ≥ k (left for the row-by-row pass); returns
 * the entry it stopped at. Plain locals in the loop: it runs once per streamed value.
 */
function appendColumn(col: Column, s: Series, runX: Float64Array, base: number, k: number): number {
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
      const v = vs[j];
      const y = typeof v === 'number' ? v : v === null ? NaN : undefined;
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
      const v = vs[j];
      const y = typeof v === 'number' ? v : v === null ? NaN : undefined;
      if (y === undefined) continue;
      sx[w] = runX[base + r];
      sy[w] = y;
      sr[w] = base + r;
      w++;
    }
  }
  s.n = w;
  return j;
}

/** The row of a column's entry j (NaN when malformed). */
const rowOf = (col: Column, j: number): number => {
  if (!col.rows) return j;
  const r = col.rows[j];
  return typeof r === 'number' && Number.isInteger(r) ? r : NaN;
};

/** A column value as the series stores it: null → NaN (a gap); undefined when it is not a value at all. */
const valueOf = (v: unknown): number | undefined => (v === null ? NaN : typeof v === 'number' ? v : undefined);

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
    // One pass copies the rows after the run's last x, in order (the stream); the rest, if any, row by row.
    const k = this.appendRows(run, xs, steps, times, stages, cols, touched);
    if (k < n) this.mergeRows(run, k, xs, steps, times, stages, cols, touched);
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
   * The common case — rows after the last, in x order: capacity reserved once, every column copied in one
   * pass, smoothing per series at the end. Returns the first row it could not append (a repeated, earlier
   * or non-finite x), or the row count.
   */
  private appendRows(run: RunData, xs: unknown[], steps: unknown[] | undefined, times: unknown[] | undefined, stages: Uint16Array,
    cols: Column[], touched: Set<string>): number {
    const n = xs.length;
    let last = run.n > 0 ? run.x[run.n - 1] : -Infinity;
    let k = 0;
    for (; k < n; k++) {
      const x = xs[k];
      if (typeof x !== 'number' || !(x > last) || x === Infinity) break;
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
      col.at = appendColumn(col, s, run.x, base, k);
      if (s.n > start) {
        this.extendSmooth(s, start);
        s.version++;
        touched.add(col.name);
      } else if (s.n === 0) run.metrics.delete(col.name); // nothing but non-values: no series
    }
    return k;
  }

  /** Rows at or before the end (or after a malformed one): one at a time (replace or insert), then re-smooth. */
  private mergeRows(run: RunData, from: number, xs: unknown[], steps: unknown[] | undefined, times: unknown[] | undefined, stages: Uint16Array,
    cols: Column[], touched: Set<string>): void {
    const changed = new Set<Series>();
    for (let i = from; i < xs.length; i++) {
      const x = xs[i];
      const ok = typeof x === 'number' && Number.isFinite(x);
      const row = ok ? this.rowFor(run, x, numAt(steps, i), numAt(times, i), stages[i]) : -1;
      for (const col of cols) {
        // Entries of earlier rows left over (malformed order) are skipped.
        while (col.at < col.m && !(rowOf(col, col.at) >= i)) col.at++;
        if (col.at >= col.m || rowOf(col, col.at) !== i) continue;
        const y = valueOf(col.v[col.at++]);
        if (!ok || y === undefined) continue;
        let s = run.metrics.get(col.name);
        if (!s) run.metrics.set(col.name, (s = newSeries(col.name)));
        if (this.put(s, x, y, row)) changed.add(s);
        else this.extendSmooth(s, s.n - 1);
        s.version++;
        touched.add(col.name);
      }
    }
    for (const s of changed) this.resmooth(s);
  }

  /** The run row for x: appended, replaced (same x) or inserted (earlier x; later rows shift). */
  private rowFor(run: RunData, x: number, step: number, time: number, stage: number): number {
    let pos = run.n;
    if (run.n > 0 && x <= run.x[run.n - 1]) {
      pos = lowerBound(run.x, run.n, x);
      if (run.x[pos] === x) {
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
    insertAt(run.x, run.n, pos, x);
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
