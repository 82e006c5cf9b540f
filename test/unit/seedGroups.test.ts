// Seed grouping on the dashboard, on hand-computed inputs: seeds aligned on global step (union of steps,
// interpolation inside a seed's range, none outside it), mean over the seeds present, min–max and mean ± sample
// std where at least two seeds have a value; NaN values and missing steps; runs grouped into arms from
// run.json's group; the arm aggregates fed from a real metric store and recomputed only when a seed changes.
import { strict as assert } from 'node:assert';
import { alignSeeds, seedBands, unionSteps, type SeedSeries } from '../../webviews/dashboard/seedBands';
import { ArmAggregates, displayEntries, groupOf, isArmKey } from '../../webviews/dashboard/seedGroups';
import { MetricStore } from '../../webviews/dashboard/metricStore';
import type { RunInfo } from '../../protocol/messages';
import { toMetricColumns } from '../../extension/panels/metricColumns';
import type { MetricPoint } from '../../extension/runs/stageSeries';
import { Rng } from '../../trainer/util/rng';
import { outline } from '../../webviews/dashboard/bandPlugin';

const seed = (x: number[], y: number[]): SeedSeries => ({ x: Float64Array.from(x), y: Float64Array.from(y), n: x.length });
/** a's first b.length entries are b (NaN where b is NaN); a may be a longer buffer. */
const close = (a: ArrayLike<number>, b: number[], msg = '') => {
  assert.ok(a.length >= b.length, `${msg} length ${a.length} < ${b.length}`);
  b.forEach((v, i) => {
    if (Number.isNaN(v)) assert.ok(Number.isNaN(a[i]), `${msg}[${i}]: ${a[i]} should be NaN`);
    else assert.ok(Math.abs(a[i] - v) < 1e-12, `${msg}[${i}]: ${a[i]} ≠ ${v}`);
  });
};

describe('seed statistics (mean and band over misaligned seeds)', () => {
  it('aligns on the union of global steps; a seed is interpolated between its own points, never past its ends', () => {
    const a = seed([1, 2, 3, 4], [10, 20, 30, 40]);
    const b = seed([2, 4, 6], [1, 3, 5]);
    const xs = unionSteps([a, b]);
    close(xs, [1, 2, 3, 4, 6]);
    const v = alignSeeds([a, b], xs, xs.length);
    close(v.subarray(0, 5), [10, 20, 30, 40, NaN], 'seed a');
    close(v.subarray(5), [NaN, 1, 2, 3, 5], 'seed b (step 3 interpolated; step 1 before its start)');
  });

  it('mean over the seeds present; min–max and ± sample std only where two or more seeds have a value', () => {
    const s = [seed([1, 2, 3], [1, 2, 3]), seed([1, 2, 3], [3, 4, 9]), seed([1, 2], [5, 9])];
    const mm = seedBands(s, 'minmax');
    assert.equal(mm.n, 3);
    close(mm.mean, [3, 5, 6]);
    close(mm.lo, [1, 2, 3]);
    close(mm.hi, [5, 9, 9]);
    assert.deepEqual([...mm.count.subarray(0, 3)], [3, 3, 2]);
    const sd = seedBands(s, 'std');
    // Step 1: 1, 3, 5 → mean 3, sample variance (4 + 0 + 4) / 2 = 4 → sd 2. Step 3: 3, 9 → mean 6, var 18 → sd √18.
    close(sd.mean, [3, 5, 6]);
    close(sd.lo, [1, 5 - Math.sqrt(13), 6 - Math.sqrt(18)]);
    close(sd.hi, [5, 5 + Math.sqrt(13), 6 + Math.sqrt(18)]);
  });

  it('seeds of different lengths: past the shorter seed the mean is the longer one and there is no band', () => {
    const st = seedBands([seed([1, 2, 3, 4], [1, 1, 1, 1]), seed([1, 2], [3, 3])], 'minmax');
    close(st.mean, [2, 2, 1, 1]);
    close(st.lo, [1, 1, NaN, NaN]);
    assert.deepEqual([...st.count.subarray(0, st.n)], [2, 2, 1, 1]);
  });

  it('a NaN value (or a gap between two points) takes that seed out of the step; all NaN is a gap in the mean', () => {
    const st = seedBands([seed([1, 2, 3, 4], [1, NaN, 3, 4]), seed([1, 3, 4], [5, 7, NaN]), seed([1, 4], [NaN, 2])], 'std');
    // Step 2: seed a is NaN; seed b interpolates 5→7 = 6; seed c has no finite left neighbour (NaN at 1) → NaN.
    close(st.mean, [3, 6, 5, 3]);
    assert.deepEqual([...st.count.subarray(0, st.n)], [2, 1, 2, 2]);
    close(st.lo.subarray(1, 2), [NaN], 'one seed: no band');
    const none = seedBands([seed([1, 2], [NaN, 1]), seed([1], [NaN])], 'minmax');
    close(none.mean, [NaN, 1]);
    assert.deepEqual([...none.count.subarray(0, none.n)], [0, 1]);
    assert.equal(seedBands([], 'std').n, 0);
  });

  it('infinite values are not values (as the charts draw them: gaps)', () => {
    const st = seedBands([seed([1], [Infinity]), seed([1], [2]), seed([1], [4])], 'minmax');
    close(st.mean, [3]);
    close([st.lo[0], st.hi[0]], [2, 4]);
  });
});

const stages = [{ id: 's', kind: 'perception', state: 'succeeded' as const, totalSteps: 3, globalOffset: 0 }];
const run = (key: string, group?: RunInfo['group']): RunInfo => ({ key, label: key, recipe: 'r', runId: key, stages, group });

describe('seed groups (runs → arms)', () => {
  it('groups runs by experiment and arm, seeds in order; others stay runs; labels say the seed count', () => {
    const runs = [
      run('/m2', { experiment: 'e', arm: 'merged', seed: 2 }), run('/s1', { experiment: 'e', arm: 'staged', seed: 1 }),
      run('/solo'), run('/m1', { experiment: 'e', arm: 'merged', seed: 1 }), run('/s2', { experiment: 'e', arm: 'staged', seed: 2 }),
    ];
    const entries = displayEntries(runs, ['/data-only'], 'std', (k) => `label ${k}`);
    assert.deepEqual(entries.map((e) => [e.label, e.runs]), [
      ['merged (2 seeds)', ['/m1', '/m2']], ['staged (2 seeds)', ['/s1', '/s2']], ['label /solo', ['/solo']], ['label /data-only', ['/data-only']],
    ]);
    assert.ok(isArmKey(entries[0].key) && !isArmKey(entries[2].key));
    assert.equal(entries[0].info?.key, entries[0].key, 'the arm carries stage boundaries under its own key');
    assert.deepEqual(displayEntries(runs, [], 'off', (k) => k).map((e) => e.key), ['/m2', '/s1', '/solo', '/m1', '/s2'], 'grouping off');
    const two = displayEntries([run('/a', { experiment: 'x', arm: 'staged', seed: 1 }), run('/b', { experiment: 'y', arm: 'staged', seed: 1 })], [], 'minmax', (k) => k);
    assert.deepEqual(two.map((e) => e.label), ['x/staged (1 seed)', 'y/staged (1 seed)'], 'several experiments: named');
  });

  it('a malformed group in run.json is "not grouped"', () => {
    for (const g of [null, 'x', { experiment: '', arm: 'a', seed: 1 }, { experiment: 'e', arm: 3, seed: 1 }, { experiment: 'e', arm: 'a', seed: 'one' }, { experiment: 'e', arm: 'a', seed: null }]) {
      assert.equal(groupOf(run('/r', g as never)), undefined, JSON.stringify(g));
    }
  });
});

describe('arm aggregates from the metric store', () => {
  const feed = (store: MetricStore, key: string, xs: number[], f: (x: number) => number) => {
    const points: MetricPoint[] = xs.map((x) => ({ stage: 's', step: x, global_step: x, time: 0, m: f(x) }));
    store.ingest(key, JSON.parse(JSON.stringify(toMetricColumns(key, points))));
  };

  it('mean line as a series (smoothed mean too), band over what is drawn bold; cached until a seed changes', () => {
    const store = new MetricStore();
    feed(store, '/a', [1, 2, 3, 4], (x) => x);
    feed(store, '/b', [1, 2, 3], (x) => 3 * x);
    const aggs = new ArmAggregates();
    const arm = { experiment: 'e', arm: 'staged', runs: ['/a', '/b', '/missing'], seeds: [1, 2, 3] };
    const agg = aggs.get(arm, 'm', store, 'minmax')!;
    close(agg.series.x.subarray(0, agg.series.n), [1, 2, 3, 4]);
    close(agg.series.y.subarray(0, agg.series.n), [2, 4, 6, 4]);
    assert.equal(agg.series.smooth.length, 0, 'no smoothing: no smoothed copy');
    close(agg.band.lo, [1, 2, 3, NaN]);
    close(agg.band.hi, [3, 6, 9, NaN]);
    assert.equal(agg.seeds, 3);
    assert.equal(aggs.get(arm, 'm', store, 'minmax'), agg, 'nothing changed: the cached aggregate');
    assert.equal(aggs.computed, 1);
    assert.equal(aggs.get(arm, 'other', store, 'minmax'), undefined, 'no seed logged it');

    const edits = agg.series.edits;
    feed(store, '/b', [4], () => 20);
    const next = aggs.get(arm, 'm', store, 'minmax')!;
    assert.equal(aggs.computed, 2, 'a seed grew: recomputed');
    assert.equal(next.series, agg.series, 'the same series object, edited');
    assert.ok(next.series.edits > edits, 'marked edited (the downsampler rescans)');
    close(next.series.y.subarray(0, 4), [2, 4, 6, 12]);

    store.setSmoothing(0.5);
    const smooth = aggs.get(arm, 'm', store, 'minmax')!;
    const sa = store.runs.get('/a')!.metrics.get('m')!.smooth;
    const sb = store.runs.get('/b')!.metrics.get('m')!.smooth;
    close(smooth.series.smooth.subarray(0, 4), [0, 1, 2, 3].map((i) => (sa[i] + sb[i]) / 2), 'mean of the smoothed seeds');
    close(smooth.band.hi, [0, 1, 2, 3].map((i) => Math.max(sa[i], sb[i])), 'band over the smoothed seeds');
    close(smooth.series.y.subarray(0, 4), [2, 4, 6, 12], 'the faint line stays the raw mean');
    const std = aggs.get(arm, 'm', store, 'std')!;
    assert.equal(aggs.computed, 4, 'another band kind: recomputed');
    assert.ok(std.band.hi[0] - std.series.smooth[0] > 0);
  });

  it('a run replaced in the store (reset) is noticed even when its version count starts over', () => {
    const store = new MetricStore();
    feed(store, '/a', [1, 2], () => 1);
    feed(store, '/b', [1, 2], () => 3);
    const aggs = new ArmAggregates();
    const arm = { experiment: 'e', arm: 'x', runs: ['/a', '/b'], seeds: [1, 2] };
    close(aggs.get(arm, 'm', store, 'minmax')!.series.y.subarray(0, 2), [2, 2]);
    const points: MetricPoint[] = [1, 2].map((x) => ({ stage: 's', step: x, global_step: x, time: 0, m: 7 }));
    store.ingest('/b', JSON.parse(JSON.stringify(toMetricColumns('/b', points, true))), true);
    close(aggs.get(arm, 'm', store, 'minmax')!.series.y.subarray(0, 2), [4, 4]);
  });

  it('streaming: seeds that only append are updated past their old ends, equal to a fresh aggregation every time', () => {
    const rng = new Rng(7);
    for (const smoothing of [0, 0.6]) {
      const store = new MetricStore();
      store.setSmoothing(smoothing);
      const arm = { experiment: 'e', arm: 'x', runs: ['/a', '/b', '/c'], seeds: [1, 2, 3] };
      const aggs = { std: new ArmAggregates(), minmax: new ArmAggregates() };
      const ends = [0, 0, 0];
      for (let round = 0; round < 40; round++) {
        // Each seed advances by its own stride and chunk (misaligned steps), now and then a non-number.
        arm.runs.forEach((key, k) => {
          const chunk = Math.floor(rng.next() * 4);
          const xs = Array.from({ length: chunk }, (_, i) => ends[k] + (i + 1) * (k + 1));
          if (chunk) ends[k] = xs[xs.length - 1];
          const points: MetricPoint[] = xs.map((x) => ({ stage: 's', step: x, global_step: x, time: 0, m: rng.next() < 0.05 ? NaN : Math.sin(x / 7 + k) }));
          if (points.length) store.ingest(key, JSON.parse(JSON.stringify(toMetricColumns(key, points))));
        });
        for (const band of ['std', 'minmax'] as const) {
          const agg = aggs[band].get(arm, 'm', store, band);
          if (!agg) continue;
          const seeds = arm.runs.map((r) => store.runs.get(r)?.metrics.get('m')).filter((x) => !!x && x.n > 0)!;
          const fresh = seedBands(seeds.map((x) => ({ x: x!.x, y: smoothing ? x!.smooth : x!.y, n: x!.n })), band);
          assert.equal(agg.band.n, fresh.n, `round ${round}`);
          for (const f of ['x', 'mean', 'lo', 'hi', 'count'] as const) close(agg.band[f].subarray(0, fresh.n), [...fresh[f].subarray(0, fresh.n)], `round ${round} ${band} ${f}`);
        }
      }
      // Full aggregations only when a seed first logs (a new series) or its smoothing rewrites its start (once).
      for (const a of Object.values(aggs)) assert.ok(a.full <= 1 + 2 * arm.runs.length && a.computed - a.full >= 25, `${a.full} full, ${a.computed - a.full} incremental`);
    }
  });

  it('seeds streaming in step: the mean only grows (no rescan of what was drawn); a lagging seed catching up is an edit', () => {
    const store = new MetricStore();
    const aggs = new ArmAggregates();
    const arm = { experiment: 'e', arm: 'x', runs: ['/a', '/b'], seeds: [1, 2] };
    const add = (key: string, from: number, to: number) => {
      const points: MetricPoint[] = [];
      for (let x = from; x <= to; x++) points.push({ stage: 's', step: x, global_step: x, time: 0, m: x });
      store.ingest(key, JSON.parse(JSON.stringify(toMetricColumns(key, points))));
    };
    add('/a', 1, 100);
    add('/b', 1, 100);
    const first = aggs.get(arm, 'm', store, 'std')!;
    const edits = first.series.edits;
    for (let x = 101; x <= 110; x++) {
      add('/a', x, x);
      add('/b', x, x);
      assert.equal(aggs.get(arm, 'm', store, 'std')!.series.edits, edits, `step ${x}: appended only`);
    }
    assert.equal(aggs.full, 1, 'one full aggregation, then increments');
    add('/a', 111, 120); // b lags: steps 111…120 have one seed
    aggs.get(arm, 'm', store, 'std');
    add('/b', 111, 120); // b catches up: steps 111…120 (already drawn) change
    const caught = aggs.get(arm, 'm', store, 'std')!;
    assert.ok(caught.series.edits > edits, 'drawn steps changed: an edit');
    assert.equal(caught.band.count[caught.band.n - 1], 2);
  });
});

describe('band outline (what the band plugin fills)', () => {
  it('keeps per pixel column the lowest and highest edge, breaks where the band does, and resumes after appends', () => {
    const rng = new Rng(3);
    const n = 5000;
    const seeds = [0, 1, 2].map((k) => seed(Array.from({ length: n }, (_, i) => i + 1), Array.from({ length: n }, (_, i) => (i > 2000 && i < 2100 && k ? NaN : Math.sin(i / 40) + rng.next() * (k + 1)))));
    const full = seedBands(seeds, 'minmax');
    const o = outline(full, 1, n, 100, false);
    // Per column: the outline's edges equal the extremes of the band's steps in it.
    for (let c = 0; c < 100; c += 7) {
      const inCol = Array.from({ length: full.n }, (_, i) => i).filter((i) => Math.floor((full.x[i] - 1) * (100 / (n - 1))) === c && Number.isFinite(full.lo[i]));
      const pts = Array.from({ length: o.n }, (_, i) => i).filter((i) => Number.isFinite(o.x[i]) && Math.floor((o.x[i] - 1) * (100 / (n - 1))) === c);
      if (!inCol.length) continue;
      assert.equal(Math.min(...pts.map((i) => o.lo[i])), Math.min(...inCol.map((i) => full.lo[i])), `column ${c} low edge`);
      assert.equal(Math.max(...pts.map((i) => o.hi[i])), Math.max(...inCol.map((i) => full.hi[i])), `column ${c} high edge`);
    }
    // Steps 2002…2100 have one seed: a break (NaN) in the outline.
    assert.ok([...o.x.subarray(0, o.n)].some((x) => Number.isNaN(x)), 'the band breaks where one seed is left');
    // Streamed: outline the first 3000 steps, append the rest in chunks, resume each time — equal to a fresh outline.
    const part = seedBands(seeds.map((s) => ({ ...s, n: 3000 })), 'minmax');
    let resumed = outline(part, 1, n, 100, false);
    for (let m = 3200; m <= n; m += 200) {
      const grown = seedBands(seeds.map((s) => ({ ...s, n: m })), 'minmax');
      resumed = outline(grown, 1, n, 100, false, resumed, true);
      const fresh = outline(grown, 1, n, 100, false);
      assert.equal(resumed.n, fresh.n, `at ${m}`);
      for (const f of ['x', 'lo', 'hi'] as const) close(resumed[f].subarray(0, resumed.n), [...fresh[f].subarray(0, fresh.n)], `at ${m} ${f}`);
    }
  });
});
