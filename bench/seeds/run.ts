// Benchmark: an experiment arm's mean and band on the dashboard while its seeds stream. N seeds × S steps are
// fed to the page's metric store as the host's column messages; then one step per seed per frame, and per frame
// the arm's aggregate (ArmAggregates, incremental) and its band outline (resumed) — against recomputing both
// from scratch each frame, timed in the same run. Usage: npx tsx bench/seeds/run.ts [--seeds N] [--steps S]
// [--frames F]. Last line = the headline.
import { parseArgs } from 'node:util';
import { ArmAggregates } from '../../webviews/dashboard/seedGroups';
import { MetricStore } from '../../webviews/dashboard/metricStore';
import { seedBands } from '../../webviews/dashboard/seedBands';
import { outline } from '../../webviews/dashboard/bandPlugin';
import type { MetricColumns } from '../../protocol/messages';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, steps: { type: 'string', default: '100000' }, frames: { type: 'string', default: '200' } } });
const SEEDS = Number(values.seeds);
const STEPS = Number(values.steps);
const FRAMES = Number(values.frames);
const COLUMNS = 1000;

const columns = (run: string, xs: number[], k: number): MetricColumns => ({
  run, stages: ['rl'], stageRows: [xs.length], step: xs, x: xs, time: xs.map(() => 0),
  metrics: { 'reward/overall': { v: xs.map((x) => Math.sin(x / 50 + k) + 0.1 * k) } },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const store = new MetricStore();
const runs = Array.from({ length: SEEDS }, (_, k) => `/runs/seed${k + 1}`);
runs.forEach((run, k) => store.ingest(run, columns(run, Array.from({ length: STEPS }, (_, i) => i + 1), k)));
const arm = { experiment: 'bench', arm: 'staged', runs, seeds: runs.map((_, k) => k + 1) };
const aggs = new ArmAggregates();
const xMax = STEPS * 1.05;

let t = performance.now();
let agg = aggs.get(arm, 'reward/overall', store, 'std')!;
let o = outline(agg.band, 1, xMax, COLUMNS, false);
console.log(`${SEEDS} seeds × ${STEPS} steps: first aggregation and outline ${(performance.now() - t).toFixed(1)} ms`);

const incremental: number[] = [];
const scratch: number[] = [];
for (let f = 1; f <= FRAMES; f++) {
  runs.forEach((run, k) => store.ingest(run, columns(run, [STEPS + f], k)));
  t = performance.now();
  agg = aggs.get(arm, 'reward/overall', store, 'std')!;
  o = outline(agg.band, 1, xMax, COLUMNS, false, o, true);
  incremental.push(performance.now() - t);
  if (f % 10 === 0) {
    // The baseline: the same frame computed from nothing (every 10th frame; it is the slow one).
    t = performance.now();
    const seeds = runs.map((r) => store.runs.get(r)!.metrics.get('reward/overall')!);
    outline(seedBands(seeds, 'std'), 1, xMax, COLUMNS, false);
    scratch.push(performance.now() - t);
  }
}
const [inc, full] = [median(incremental), median(scratch)];
console.log(`per streamed frame (median of ${FRAMES}): incremental ${inc.toFixed(3)} ms, from scratch ${full.toFixed(2)} ms; full recomputations ${aggs.full}`);
console.log(`seed band per frame: ${inc.toFixed(3)} ms incremental vs ${full.toFixed(2)} ms from scratch (${(full / inc).toFixed(0)}× less)`);
