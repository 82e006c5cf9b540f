// Benchmark: following a growing EasyR1 experiment_log.jsonl (the stage bridge and Attach poll it every
// second). Baseline, measured in the same run: re-reading and re-parsing the whole file at each poll (what a
// reader without offsets does). Contender: the adapter's incremental tail (byte offset, only new lines,
// flattened and mapped to our names). Also the cost of one full read through the adapter vs bare JSON.parse.
// Run: node --require tsx/cjs bench/adapters/run.ts [steps] [stepsPerPoll]. Last line = the headline ratio.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EasyR1ExperimentLog } from '../../core/external/easyr1/easyr1ExperimentLog';
import { parseJsonLoose } from '../../protocol/jsonLines';

const steps = Number(process.argv[2] ?? 2000);
const perPoll = Number(process.argv[3] ?? 10);

/** One EasyR1 log line: ~60 metrics nested the way unflatten_dict writes them, NaN now and then. */
function line(step: number): string {
  const m: Record<string, Record<string, unknown>> = { reward: {}, actor: {}, critic: { score: {}, rewards: {}, advantages: {} }, response_length: {}, perf: {}, timing_s: {}, timing_per_token_ms: {} };
  for (const k of ['overall', 'format', 'accuracy']) m.reward[k] = Math.random();
  for (const k of ['pg_loss', 'pg_clipfrac_higher', 'pg_clipfrac_lower', 'entropy_loss', 'ppo_kl', 'kl_loss', 'kl_coef', 'grad_norm', 'lr']) m.actor[k] = step % 97 === 0 && k === 'grad_norm' ? NaN : Math.random();
  for (const g of ['score', 'rewards', 'advantages'] as const) for (const s of ['mean', 'max', 'min']) (m.critic[g] as Record<string, number>)[s] = Math.random();
  for (const k of ['mean', 'max', 'min', 'clip_ratio']) m.response_length[k] = 400 + Math.random() * 100;
  for (const k of ['total_num_tokens', 'time_per_step', 'throughput', 'max_memory_allocated_gb', 'max_memory_reserved_gb', 'cpu_memory_used_gb']) m.perf[k] = Math.random() * 1000;
  for (const k of ['gen', 'reward', 'old', 'ref', 'adv', 'update_actor', 'step', 'save_checkpoint', 'testing']) m.timing_s[k] = Math.random() * 50;
  for (const k of ['gen', 'reward', 'old', 'ref', 'adv', 'update_actor']) m.timing_per_token_ms[k] = Math.random();
  return JSON.stringify({ step, ...m }).replace(/null/g, 'NaN') + '\n';
}

const dir = mkdtempSync(join(tmpdir(), 's2t-bench-adapters-'));
try {
  const file = join(dir, 'experiment_log.jsonl');
  const lines = Array.from({ length: steps }, (_, i) => line(i + 1));

  // Following the file as it grows: one poll every `perPoll` steps.
  const follow = (read: () => number): number => {
    writeFileSync(file, '');
    let seen = 0;
    const t0 = performance.now();
    for (let i = 0; i < steps; i += perPoll) {
      appendFileSync(file, lines.slice(i, i + perPoll).join(''));
      seen = read();
    }
    const ms = performance.now() - t0;
    if (seen !== steps) throw new Error(`read ${seen} of ${steps} records`);
    return ms;
  };
  const naive = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => parseJsonLoose(l)).length;
  let tail = new EasyR1ExperimentLog(file, { stage: 'bench' });
  let total = 0;
  const incremental = () => (total += tail.read().metrics.length);

  // Three rounds, baseline and contender interleaved; medians reported.
  const results = { naive: [] as number[], incremental: [] as number[] };
  for (let r = 0; r < 3; r++) {
    results.naive.push(follow(naive));
    tail = new EasyR1ExperimentLog(file, { stage: 'bench' });
    total = 0;
    results.incremental.push(follow(incremental));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  // One full read: adapter (parse + flatten + map) vs bare JSON.parse of every line.
  writeFileSync(file, lines.join(''));
  const t1 = performance.now();
  naive();
  const bare = performance.now() - t1;
  const t2 = performance.now();
  const n = new EasyR1ExperimentLog(file, { stage: 'bench' }).read().metrics.length;
  const adapter = performance.now() - t2;

  console.log(`EasyR1 experiment_log.jsonl: ${steps} steps (${(lines.join('').length / 1e6).toFixed(1)} MB), a poll every ${perPoll} steps (${Math.ceil(steps / perPoll)} polls)`);
  console.log(`full read once: bare JSON.parse ${bare.toFixed(0)} ms, adapter (parse + flatten + map, ${n} records) ${adapter.toFixed(0)} ms — ${(adapter / bare).toFixed(2)}× the bare parse`);
  console.log(`following the growing file: re-read all at each poll ${med(results.naive).toFixed(0)} ms (median of 3), incremental tail ${med(results.incremental).toFixed(0)} ms`);
  console.log(`incremental tail vs re-reading at each poll: ${(med(results.naive) / med(results.incremental)).toFixed(1)}× faster`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
