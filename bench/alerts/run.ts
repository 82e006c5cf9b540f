// Benchmark: what alert evaluation adds to the extension host per metric record (issue 15: at most 1 ms). The
// same records (the built-in trainer's RL record: 22 metrics) go through two run stores as a trainer's stdout
// does, one with the alert tracker listening and one without — the baseline, in the same process, interleaved
// batch by batch so machine load falls on both alike. Also: evaluating a finished run from its files (what a
// window does once per run it discovers), per record. Usage: npx tsx bench/alerts/run.ts [--records N]
// [--batches B]. Last line = the headline.
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { RunStore } from '../../extension/runs/store';
import { AlertTracker } from '../../extension/alerts/alertTracker';
import type { MetricRecord } from '../../protocol/runRecords';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000' }, batches: { type: 'string', default: '30' } } });
const PER_BATCH = Number(values.records);
const BATCHES = Number(values.batches);
const STEPS = PER_BATCH * (BATCHES + 2);

const RECIPE = `name: bench\nmodel:\n  trainer: builtin\n  preset: tiny\nstages:\n  - id: rl\n    kind: perception\n    steps: ${STEPS}\n    init_from: null\n`;

/** A record shaped like the built-in trainer's GRPO step (trainer/algo/grpo.ts), values drifting like a run. */
function record(step: number): MetricRecord {
  const s = Math.sin(step / 37);
  return {
    step, global_step: step, time: 1.8e9 + step, stage: 'rl',
    'reward/overall': 0.3 + 0.05 * s, 'reward/accuracy': 0.25 + 0.05 * s, 'reward/format': 0.97, 'response_length/mean': 18 + s,
    'response_length/max': 40, 'response_length/clip_ratio': 0.01, 'actor/pg_loss': 0.01 * s, 'actor/kl_loss': 0.05 + 0.01 * s,
    'actor/kl_coef': 0.1, 'actor/pg_clipfrac': 0.02, 'actor/pg_clipfrac_higher': 0.01, 'actor/pg_clipfrac_lower': 0.01,
    'actor/ppo_kl': 0.001, 'actor/entropy': 0.35 + 0.02 * s, 'actor/grad_norm': 0.8 + 0.1 * s, 'actor/lr': 5e-5,
    'perf/throughput': 1500, 'perf/time_per_step': 0.6, 'timing_s/gen': 0.2, 'timing_s/ref': 0.1, 'timing_s/update': 0.3,
  };
}

function newRun(root: string, id: string): string {
  const recipe = join(root, 'bench.recipe.yaml');
  writeFileSync(recipe, RECIPE);
  const { runDir } = createRun({ recipeFile: recipe, runsDir: join(root, 'runs'), runId: id });
  new StageWriter(runDir, 'rl').status({ stage: 'rl', state: 'running', target: 'local', updated: new Date().toISOString(), total_steps: STEPS });
  return runDir;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.95 * xs.length))];
const us = (ms: number) => `${(ms * 1000).toFixed(2)} µs`;

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 's2t-bench-alerts-'));
  const plain = new RunStore({ pollMs: 3600_000, warn: () => undefined });
  const watched = new RunStore({ pollMs: 3600_000, warn: () => undefined });
  const tracker = new AlertTracker(watched);
  try {
    const a = newRun(root, 'plain');
    const b = newRun(root, 'watched');
    plain.addRun(a);
    watched.addRun(b);
    await tracker.whenIdle();
    const base: number[] = [];
    const withAlerts: number[] = [];
    let step = 0;
    for (let batch = -2; batch < BATCHES; batch++) { // two warm-up batches (JIT), not counted
      const recs = Array.from({ length: PER_BATCH }, () => record(++step));
      const time = (store: RunStore, dir: string) => {
        const t = performance.now();
        for (const r of recs) store.ingest(dir, 'rl', { type: 'metric', record: r });
        return (performance.now() - t) / PER_BATCH;
      };
      // Alternate which goes first, so neither always meets a warmer cache.
      const first = batch % 2 === 0;
      const x1 = first ? time(plain, a) : NaN;
      const y = time(watched, b);
      const x = first ? x1 : time(plain, a);
      if (batch < 0) continue;
      base.push(x);
      withAlerts.push(y);
    }
    plain.flush();
    watched.flush();
    const added = base.map((x, i) => withAlerts[i] - x);
    const own = tracker.cost.ms / tracker.cost.points;

    // A finished run evaluated from its files (once per run a window discovers): its metrics.jsonl has every record.
    const c = newRun(root, 'finished');
    const w = new StageWriter(c, 'rl');
    for (let s = 1; s <= 20_000; s++) w.metric(record(s));
    const files = new RunStore({ pollMs: 3600_000, warn: () => undefined });
    const t0 = performance.now();
    const tracker2 = new AlertTracker(files, undefined, 0);
    files.addRun(c);
    await tracker2.whenIdle();
    const fullPass = (performance.now() - t0) / 20_000;
    tracker2.dispose();
    files.dispose();

    console.log(`records: ${BATCHES} batches of ${PER_BATCH} through RunStore.ingest (stdout records), ${Object.keys(record(1)).length - 4} metrics each, 7 rules on`);
    console.log(`store alone:          ${us(median(base))} per record (median batch; p95 ${us(p95(base))})`);
    console.log(`store + alerts:       ${us(median(withAlerts))} per record (median batch; p95 ${us(p95(withAlerts))})`);
    console.log(`tracker's own timer:  ${us(own)} per record (${tracker.cost.points} records)`);
    console.log(`finished run from its files (20 000 records, read + evaluated): ${us(fullPass)} per record`);
    console.log(`alert evaluation adds ${us(Math.max(0, median(added)))} per metric record in the extension host (p95 ${us(Math.max(0, p95(added)))}; budget 1000 µs): ${(median(added) / median(base)).toFixed(2)}× the store's own ${us(median(base))}`);
  } finally {
    tracker.dispose();
    plain.dispose();
    watched.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
