// The dashboard's pure chart math on known inputs: TensorBoard's debiased EMA, min-max-per-pixel
// downsampling (spikes kept, exact per-column extremes, gaps), binary search, CSV, and the metric store fed
// by the host's column messages (encoded by extension/panels/metricColumns.ts, JSON-cloned as VS Code
// delivers them): it only appends or resets.
import { strict as assert } from 'node:assert';
import { lowerBound, upperBound, nearestIndex } from '../../protocol/search';
import { smoothAll, smoothAppend, newEma, clampWeight } from '../../webviews/dashboard/smoothing';
import { minMaxPerPixel, PointBuffer, StreamingMinMax } from '../../webviews/dashboard/downsample';
import { csvCell, toCsv } from '../../webviews/dashboard/csv';
import { MetricStore } from '../../webviews/dashboard/metricStore';
import type { MetricColumns } from '../../protocol/messages';
import { toMetricColumns } from '../../extension/panels/metricColumns';
import type { MetricPoint } from '../../extension/runs/stageSeries';
import { Rng } from '../../trainer/util/rng';

/** TensorBoard's smoothing, transcribed from vz_line_chart2/line-chart.ts (resmoothDataset). */
function tensorBoardSmooth(ys: number[], w: number): number[] {
  let last = ys.length > 0 ? 0 : NaN;
  let numAccum = 0;
  const isConstant = ys.every((v) => v == ys[0]);
  return ys.map((nextVal) => {
    if (isConstant || !Number.isFinite(nextVal)) return nextVal;
    last = last * w + (1 - w) * nextVal;
    numAccum++;
    const debias = w === 1 ? 1 : 1 - Math.pow(w, numAccum);
    return last / debias;
  });
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>, n = b.length) => {
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(b[i])) assert.ok(Number.isNaN(a[i]), `index ${i}: ${a[i]} should be NaN`);
    else assert.equal(a[i], b[i], `index ${i}`);
  }
};

describe('search', () => {
  const a = Float64Array.from([1, 2, 2, 2, 5, 9]);
  it('lower/upper bounds and nearest', () => {
    assert.deepEqual([0, 1, 2, 3, 5, 6, 9, 10].map((v) => lowerBound(a, 6, v)), [0, 0, 1, 4, 4, 5, 5, 6]);
    assert.deepEqual([0, 1, 2, 3, 5, 6, 9, 10].map((v) => upperBound(a, 6, v)), [0, 1, 4, 4, 5, 5, 6, 6]);
    assert.deepEqual([0, 3, 3.5, 4, 7, 100].map((v) => nearestIndex(a, 6, v)), [0, 3, 3, 4, 4, 5]);
    assert.equal(nearestIndex(a, 0, 3), -1);
    assert.equal(lowerBound(a, 3, 100), 3, 'respects the used length n');
  });
});

describe('smoothing (debiased EMA as TensorBoard)', () => {
  it('matches hand-computed values, with a NaN gap passed through', () => {
    const out: number[] = [];
    smoothAll([1, 2, 3], 3, 0.5, out);
    // n=1: 0.5/0.5 = 1; n=2: 1.25/0.75 = 5/3; n=3: 2.125/0.875 = 17/7
    assert.deepEqual(out, [1, 1.25 / 0.75, 2.125 / 0.875]);
    assert.ok(Math.abs(out[1] - 5 / 3) < 1e-15 && Math.abs(out[2] - 17 / 7) < 1e-15);
    const gap: number[] = [];
    smoothAll([1, NaN, 3], 3, 0.5, gap);
    assert.equal(gap[0], 1);
    assert.ok(Number.isNaN(gap[1]));
    assert.equal(gap[2], 1.75 / 0.75, 'the gap does not count towards n');
  });

  it('weight 0 is the identity; the weight is clamped to [0, 0.999]', () => {
    const ys = [3, -1, 4, 1, -5, 9];
    const out: number[] = [];
    smoothAll(ys, ys.length, 0, out);
    assert.deepEqual(out, ys);
    assert.deepEqual([-1, 0.5, 1, 5, NaN].map(clampWeight), [0, 0.5, 0.999, 0.999, 0]);
  });

  it('a constant series is drawn as is, and smoothed after all once it changes (as TensorBoard recomputes)', () => {
    const ys = [2, 2, 2, 5, 5];
    const out: number[] = [];
    const s = newEma();
    smoothAppend(ys, 0, 3, 0.5, s, out);
    assert.deepEqual(out, [2, 2, 2]);
    smoothAppend(ys, 3, 5, 0.5, s, out);
    same(out, tensorBoardSmooth(ys, 0.5));
  });

  it('streaming one value at a time equals TensorBoard on the whole series, for random data with gaps', () => {
    const rng = new Rng(7);
    for (const w of [0, 0.3, 0.6, 0.9, 0.99, 0.999]) {
      const ys = Array.from({ length: 2000 }, (_, i) => (rng.next() < 0.02 ? NaN : Math.sin(i / 50) + rng.next()));
      const out: number[] = [];
      const s = newEma();
      for (let i = 0; i < ys.length; i++) smoothAppend(ys, i, i + 1, w, s, out);
      same(out, tensorBoardSmooth(ys, w));
    }
  });

  it('a series starting with NaN is not "constant"', () => {
    const ys = [NaN, 1, 1];
    const out: number[] = [];
    smoothAll(ys, 3, 0.5, out);
    same(out, tensorBoardSmooth(ys, 0.5));
  });
});

/** Brute force: per pixel column, the min/max/first/last of the raw finite points. */
function columnsOf(xs: number[], ys: number[], xMin: number, xMax: number, columns: number) {
  const m = new Map<number, { min: number; max: number; first: number; last: number }>();
  xs.forEach((x, i) => {
    if (x < xMin || x > xMax || !Number.isFinite(ys[i])) return;
    const c = Math.floor(((x - xMin) * columns) / (xMax - xMin));
    const e = m.get(c);
    if (!e) m.set(c, { min: ys[i], max: ys[i], first: ys[i], last: ys[i] });
    else {
      e.min = Math.min(e.min, ys[i]);
      e.max = Math.max(e.max, ys[i]);
      e.last = ys[i];
    }
  });
  return m;
}

describe('min-max-per-pixel downsampling', () => {
  it('keeps a one-point spike among 100 k points, in at most 4 points per column', () => {
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, (_, i) => i);
    const ys = new Float64Array(n);
    ys[54_321] = 100;
    ys[77_777] = -50;
    const out = new PointBuffer();
    const count = minMaxPerPixel(xs, ys, n, { xMin: 0, xMax: n - 1, columns: 900 }, out);
    assert.ok(count <= 4 * 900 + 2, `${count} points`);
    const ysOut = Array.from(out.y.subarray(0, count));
    assert.ok(ysOut.includes(100), 'spike up kept');
    assert.ok(ysOut.includes(-50), 'spike down kept');
    assert.equal(out.x[ysOut.indexOf(100)], 54_321, 'at its own x');
    assert.equal(out.yMin, -50);
    assert.equal(out.yMax, 100);
  });

  it('per column, output extremes and first/last equal the raw data, in x order (random data, gaps, zoom)', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const n = 500 + Math.floor(rng.next() * 5000);
      const xs: number[] = [];
      let x = rng.next() * 10;
      for (let i = 0; i < n; i++) xs.push((x += rng.next() < 0.1 ? 0 : rng.next() * 2));
      const ys = xs.map(() => (rng.next() < 0.01 ? NaN : rng.next() * 100 - 50));
      const xMin = xs[0] + rng.next() * (xs[n - 1] - xs[0]) * 0.5;
      const xMax = xMin + (xs[n - 1] - xMin) * (0.2 + rng.next() * 0.8);
      const columns = 50 + Math.floor(rng.next() * 900);
      const out = new PointBuffer();
      const count = minMaxPerPixel(Float64Array.from(xs), Float64Array.from(ys), n, { xMin, xMax, columns }, out);
      const got = columnsOf(Array.from(out.x.subarray(0, count)), Array.from(out.y.subarray(0, count)), xMin, xMax, columns);
      assert.deepEqual(got, columnsOf(xs, ys, xMin, xMax, columns), `trial ${trial}`);
      for (let i = 1; i < count; i++) assert.ok(out.x[i] >= out.x[i - 1], 'x order kept');
      // Lines reach the edges: the nearest raw points outside the range are kept.
      const before = xs.filter((v) => v < xMin).length;
      if (before > 0) assert.equal(out.x[0], xs[before - 1]);
    }
  });

  it('writes one NaN per gap (never a leading one), so the drawn line breaks exactly there', () => {
    const xs = Float64Array.from([0, 1, 2, 3, 4, 5, 6]);
    const ys = Float64Array.from([NaN, 1, NaN, NaN, 2, 3, NaN]);
    const out = new PointBuffer();
    const n = minMaxPerPixel(xs, ys, 7, { xMin: 0, xMax: 6, columns: 1000 }, out);
    assert.deepEqual(Array.from(out.y.subarray(0, n)).map((v) => (Number.isNaN(v) ? 'gap' : v)), [1, 'gap', 2, 3, 'gap']);
  });

  it('on a log axis values <= 0 are gaps and do not widen the y range', () => {
    const xs = Float64Array.from([0, 1, 2, 3]);
    const ys = Float64Array.from([1e-3, -1, 0, 10]);
    const out = new PointBuffer();
    const n = minMaxPerPixel(xs, ys, 4, { xMin: 0, xMax: 3, columns: 100, positiveOnly: true }, out);
    assert.deepEqual(Array.from(out.y.subarray(0, n)).map((v) => (Number.isNaN(v) ? 'gap' : v)), [1e-3, 'gap', 10]);
    assert.deepEqual([out.yMin, out.yMax], [1e-3, 10]);
  });

  it('handles empty input, a single point and a zero-width range', () => {
    const out = new PointBuffer();
    assert.equal(minMaxPerPixel(new Float64Array(0), new Float64Array(0), 0, { xMin: 0, xMax: 1, columns: 10 }, out), 0);
    assert.ok(Number.isNaN(out.yMin));
    assert.equal(minMaxPerPixel(Float64Array.from([5]), Float64Array.from([2]), 1, { xMin: 5, xMax: 5, columns: 10 }, out), 1);
    assert.deepEqual([out.x[0], out.y[0], out.yMin, out.yMax], [5, 2, 2, 2]);
  });
});

describe('streaming min-max (incremental downsampling)', () => {
  it('after appends scans only the tail, and still keeps every spike and the exact y range', () => {
    const rng = new Rng(21);
    const cap = 30_000;
    const xs = new Float64Array(cap);
    const ys = new Float64Array(cap);
    const src = {};
    const d = new StreamingMinMax();
    let n = 0;
    let full = 0;
    let incremental = 0;
    while (n < cap) {
      const batch = Math.min(cap - n, 1 + Math.floor(rng.next() * (rng.next() < 0.1 ? 2000 : 5)));
      for (let k = 0; k < batch; k++, n++) {
        xs[n] = n + 1;
        ys[n] = rng.next() < 0.001 ? NaN : rng.next() < 0.0005 ? 1000 + rng.next() : rng.next();
      }
      const out = d.update(src, 0, xs, ys, n, { xMin: 1, xMax: n, columns: 500 });
      if (d.scanned >= n) full++;
      else incremental++;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) if (Number.isFinite(ys[i])) { lo = Math.min(lo, ys[i]); hi = Math.max(hi, ys[i]); }
      const got = Array.from(out.y.subarray(0, out.n)).filter(Number.isFinite);
      assert.equal(Math.max(...got), hi, 'the highest spike is drawn');
      assert.equal(Math.min(...got), lo);
      assert.deepEqual([out.yMin, out.yMax], [lo, hi]);
      assert.ok(out.n <= 4 * 1.5 * 500 + 2 + 2 * 30, `bounded output: ${out.n}`);
      for (let i = 1; i < out.n; i++) assert.ok(out.x[i] >= out.x[i - 1]);
    }
    assert.ok(incremental > 5 * full, `mostly incremental: ${incremental} incremental vs ${full} full scans`);
  });

  it('rescans everything after an edit, a zoom, a wider plot or a log switch; equals the one-shot result then', () => {
    const xs = Float64Array.from({ length: 5000 }, (_, i) => i);
    const ys = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i / 30) + (i === 2500 ? 9 : 0));
    const d = new StreamingMinMax();
    const src = {};
    const once = (r: { xMin: number; xMax: number; columns: number; positiveOnly?: boolean }) => {
      const b = new PointBuffer();
      minMaxPerPixel(xs, ys, 5000, r, b);
      return Array.from(b.y.subarray(0, b.n));
    };
    for (const [edits, r] of [[0, { xMin: 0, xMax: 4999, columns: 300 }], [1, { xMin: 0, xMax: 4999, columns: 300 }], [1, { xMin: 1000, xMax: 3000, columns: 300 }],
      [1, { xMin: 1000, xMax: 3000, columns: 450 }], [1, { xMin: 1000, xMax: 3000, columns: 450, positiveOnly: true }]] as const) {
      const out = d.update(src, edits, xs, ys, 5000, r);
      assert.equal(d.scanned > 1000, true, `rescanned for ${JSON.stringify(r)}`);
      assert.deepEqual(Array.from(out.y.subarray(0, out.n)), once(r));
    }
    d.update(src, 1, xs, ys, 5000, { xMin: 1000, xMax: 3000, columns: 450 });
    assert.ok(d.scanned > 1000, 'log switched off: rescanned');
    d.update(src, 1, xs, ys, 5000, { xMin: 1000, xMax: 3000, columns: 450 });
    assert.ok(d.scanned < 20, `nothing changed: only the last group again (${d.scanned})`);
  });
});

describe('CSV', () => {
  it('quotes, doubles quotes, writes gaps empty and infinities as inf', () => {
    assert.deepEqual([1.5, NaN, null, undefined, Infinity, -Infinity, 1e-7, -2].map(csvCell), ['1.5', '', '', '', 'inf', '-inf', '1e-7', '-2']);
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(' padded'), '" padded"');
  });

  it('defuses spreadsheet formulas in strings (not in numbers)', () => {
    assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell(-1), '-1');
  });

  it('builds CRLF lines', () => {
    assert.equal(toCsv(['a', 'b'], [[1, 'x'], [null, 2]]), 'a,b\r\n1,x\r\n,2\r\n');
  });
});

/** A point as the host keeps it (a record); null stands for NaN. */
const pt = (x: number, values: Record<string, number | null>, stage = 's1', step = x): MetricPoint =>
  ({ stage, step, global_step: x, time: 1000 + x, ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v ?? NaN])) });
/** What the page receives for these points: the host's encoding through JSON (NaN/Infinity become null). */
const wire = (run: string, points: MetricPoint[], reset?: boolean): MetricColumns => JSON.parse(JSON.stringify(toMetricColumns(run, points, reset)));
/** Feeds points to a store the way the dashboard does. */
const feed = (st: MetricStore, run: string, points: MetricPoint[], reset = false) => st.ingest(run, wire(run, points, reset), reset);

describe('metric columns (host → dashboard encoding)', () => {
  it('encodes rows as columns: stages run-length, dense metrics without rows, sparse ones with rows, non-finite as null', () => {
    const c = wire('r', [pt(1, { a: 1, b: Infinity }, 'p'), pt(2, { a: NaN }, 'p'), pt(3, { a: 3, b: 30 }, 't'), pt(5, { a: 5 }, 'p')], true);
    assert.deepEqual(c, {
      run: 'r', reset: true, stages: ['p', 't', 'p'], stageRows: [2, 1, 1], step: [1, 2, 3, 5], x: [1, 2, 3, 5], time: [1001, 1002, 1003, 1005],
      metrics: { a: { v: [1, null, 3, 5] }, b: { rows: [0, 2], v: [null, 30] } },
    });
    assert.deepEqual(wire('r', []), { run: 'r', stages: [], stageRows: [], step: [], x: [], time: [], metrics: {} });
  });
});

describe('metric store', () => {
  it('appends sparse series per metric, maps null to a NaN gap, ignores non-numbers, reports touched metrics', () => {
    const st = new MetricStore();
    const touched = feed(st, 'r', [pt(1, { a: 1, b: 10 }), pt(2, { a: null }), pt(3, { a: 3, b: 30, c: 'x' as unknown as number })]);
    assert.deepEqual([...touched].sort(), ['a', 'b']);
    const run = st.runs.get('r')!;
    const a = run.metrics.get('a')!;
    const b = run.metrics.get('b')!;
    assert.equal(run.n, 3);
    assert.deepEqual(Array.from(a.x.subarray(0, a.n)), [1, 2, 3]);
    assert.ok(Number.isNaN(a.y[1]));
    assert.deepEqual(Array.from(b.x.subarray(0, b.n)), [1, 3]);
    assert.deepEqual(Array.from(b.row.subarray(0, b.n)), [0, 2]);
    assert.equal(run.metrics.has('c'), false);
    assert.deepEqual(st.extentX(['a', 'b']), [1, 3]);
    assert.deepEqual(st.extentX(['zzz']).map(Number.isNaN), [true, true]);
  });

  it('appends rows at or after the last x (ties kept in order); a row that goes back ends the message, counted', () => {
    const st = new MetricStore();
    feed(st, 'r', [pt(1, { a: 1 }), pt(3, { a: 3 }), pt(3, { a: 33, b: 30 }, 's2')]);
    feed(st, 'r', [pt(4, { a: 4 }), pt(2, { a: 2, b: 20 }), pt(5, { a: 5 })]);
    const run = st.runs.get('r')!;
    const a = run.metrics.get('a')!;
    assert.deepEqual(Array.from(run.x.subarray(0, run.n)), [1, 3, 3, 4]);
    assert.deepEqual(Array.from(a.y.subarray(0, a.n)), [1, 3, 33, 4]);
    assert.deepEqual(Array.from(run.metrics.get('b')!.row.subarray(0, 1)), [2]);
    assert.equal(st.dropped, 2, 'the row at x 2 and the one after it');
  });

  it('keeps the smoothed copy equal to smoothing from scratch through appends and weight changes', () => {
    const st = new MetricStore();
    const rng = new Rng(3);
    st.setSmoothing(0.9);
    const ys: number[] = [];
    for (let i = 0; i < 300; i++) {
      const v = rng.next() < 0.05 ? null : rng.next();
      ys.push(v === null ? NaN : v);
      feed(st, 'r', [pt(i, { a: v })]);
      if (i === 150) st.setSmoothing(0.3);
    }
    const expect: number[] = [];
    smoothAll(ys, ys.length, 0.3, expect);
    same(st.runs.get('r')!.metrics.get('a')!.smooth, expect, ys.length);
  });

  it('reset replaces a run; retainRuns drops the others', () => {
    const st = new MetricStore();
    feed(st, 'r', [pt(1, { a: 1 }), pt(2, { a: 2 })]);
    feed(st, 'q', [pt(1, { a: 1 })]);
    const touched = feed(st, 'r', [pt(5, { b: 5 })], true);
    assert.deepEqual([...touched].sort(), ['a', 'b']);
    assert.equal(st.runs.get('r')!.n, 1);
    assert.equal(st.runs.get('r')!.metrics.has('a'), false);
    st.retainRuns(['r']);
    assert.deepEqual([...st.runs.keys()], ['r']);
  });

  it('matches a plain model through random appends and resets in random chunks', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const st = new MetricStore();
      st.setSmoothing(trial % 2 ? 0.7 : 0);
      // The model: the rows in order (what the host sent since its last reset).
      let rows: MetricPoint[] = [];
      let x = 0;
      for (let batch = 0; batch < 30; batch++) {
        const reset = rng.next() < 0.1;
        if (reset) rows = [];
        const points: MetricPoint[] = [];
        const size = 1 + Math.floor(rng.next() * 20);
        for (let i = 0; i < size; i++) {
          x = reset && i === 0 ? 1 : x + (rng.next() < 0.1 ? 0 : 1);
          const values: Record<string, number | null> = {};
          for (const m of ['a', 'b', 'c']) if (rng.next() < (m === 'c' ? 0.2 : 0.8)) values[m] = rng.next() < 0.05 ? null : Math.round(rng.next() * 100);
          points.push(pt(x, values, x < 30 ? 'p' : 't', x));
        }
        rows.push(...points);
        feed(st, 'r', points, reset);
      }
      const run = st.runs.get('r')!;
      assert.equal(st.dropped, 0);
      assert.deepEqual(Array.from(run.x.subarray(0, run.n)), rows.map((p) => p.global_step), `trial ${trial}: run rows`);
      assert.deepEqual(Array.from(run.step.subarray(0, run.n)), rows.map((p) => p.step));
      assert.deepEqual(Array.from(run.stage.subarray(0, run.n), (i) => run.stageNames[i]), rows.map((p) => p.stage));
      for (const m of ['a', 'b', 'c']) {
        const logged = rows.map((p, i) => [i, p[m]] as const).filter(([, v]) => typeof v === 'number') as [number, number][];
        const s = run.metrics.get(m);
        if (!logged.length) {
          assert.equal(s, undefined);
          continue;
        }
        assert.deepEqual(Array.from(s!.row.subarray(0, s!.n)), logged.map(([i]) => i), `trial ${trial}: ${m} rows`);
        assert.deepEqual(Array.from(s!.x.subarray(0, s!.n)), logged.map(([i]) => rows[i].global_step));
        same(s!.y, logged.map(([, v]) => v), s!.n);
        if (st.smoothing > 0) {
          const expect: number[] = [];
          smoothAll(logged.map(([, v]) => v), s!.n, st.smoothing, expect);
          for (let i = 0; i < s!.n; i++) assert.ok(Number.isNaN(expect[i]) ? Number.isNaN(s!.smooth[i]) : Math.abs(s!.smooth[i] - expect[i]) < 1e-9, `trial ${trial}: ${m} smooth ${i}`);
        }
      }
    }
  });

  it('survives malformed columns: keeps the well-formed rows and values up to the first bad row, skips the rest', () => {
    const st = new MetricStore();
    const bad = [
      null, 'x', { run: 'r' }, { run: 'r', x: 'not an array' },
      { run: 'r', x: [1, 2, 'three', 4], step: [1], time: null, stages: ['s', 7], stageRows: [1, 'x'],
        metrics: { a: { v: [0.5, null, 9, 'NaN', 7] }, b: { rows: [3, 1, 0], v: [1, 2, 3] }, c: 'no', d: { v: 'no' }, e: { rows: [0, 0.5, 3], v: [1, 2, 4] } } },
    ];
    for (const c of bad) st.ingest('r', c as unknown as MetricColumns);
    const run = st.runs.get('r')!;
    assert.deepEqual(Array.from(run.x.subarray(0, run.n)), [1, 2], "the row with x 'three' ends the message");
    assert.equal(st.dropped, 2);
    assert.deepEqual(Array.from(run.step.subarray(0, run.n)).map((v) => (Number.isNaN(v) ? null : v)), [1, null]);
    assert.deepEqual(Array.from(run.stage.subarray(0, run.n), (i) => run.stageNames[i]), ['s', '']);
    const a = run.metrics.get('a')!;
    assert.deepEqual(Array.from(a.x.subarray(0, a.n)), [1, 2]);
    assert.ok(Number.isNaN(a.y[1]), 'null is NaN');
    const xsOf = (m: string) => Array.from(run.metrics.get(m)!.x.subarray(0, run.metrics.get(m)!.n));
    assert.equal(run.metrics.has('b'), false, 'entries whose rows are dropped or go back are skipped');
    assert.deepEqual(xsOf('e'), [1], 'an entry with a fractional row ends the column');
    assert.equal(run.metrics.has('c') || run.metrics.has('d'), false);
  });

  it('exports a wide CSV with stage, step, global step and empty cells for unlogged metrics', () => {
    const st = new MetricStore();
    feed(st, '/runs/a', [pt(1, { 'reward/overall': 0.5 }, 'perception', 1), pt(2, { 'reward/overall': null, 'val/accuracy': 0.25 }, 'perception', 2)]);
    feed(st, '/runs/b', [pt(91, { 'reward/overall': 0.75 }, '=cmd()', 1)]);
    const csv = st.toCsv(['reward/overall', 'val/accuracy'], (k) => k.split('/').pop()!);
    assert.equal(csv, [
      'run,stage,step,global_step,time,reward/overall,val/accuracy',
      'a,perception,1,1,1001,0.5,',
      'a,perception,2,2,1002,,0.25',
      "b,'=cmd(),1,91,1091,0.75,",
      '',
    ].join('\r\n'));
  });
});
