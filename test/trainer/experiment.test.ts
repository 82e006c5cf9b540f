// `see2think experiment` end to end on tiny recipes (2 seeds, a few steps): the machinery, not the result. Both
// arms run as ordinary run directories grouped in run.json, from one shared warm-up per seed; every final
// checkpoint (and arm A's warm-up and stage ends) answers the three held-out sets; report.md, report.json and
// the PNG are written. It is resumable: paused by --budget (exit 75), then killed with SIGKILL mid-run, the
// same command finishes it, and a finished experiment run again trains and evaluates nothing new.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { RunMeta, StageStatus } from '../../protocol/runRecords';
import type { ExperimentReport } from '../../protocol/experiment';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'see2think.js');

const HEAD = (name: string) => `name: ${name}
model: { trainer: builtin, preset: tiny }
defaults:
  algorithm: { rollout_n: 2, rollout_batch_size: 2, global_batch_size: 2, max_response_length: 56, val_freq: 20, save_freq: 2 }
stages:
  - id: warmup
    kind: sft
    steps: 12
    init_from: null
    data: { val_size: 4, perception_slip_rate: 0.5 }
    algorithm: { lr: 2.0e-3, global_batch_size: 8 }
`;
const A = HEAD('staged') + `  - { id: perception, kind: perception, steps: 2, data: { val_size: 4 } }
  - { id: textual, kind: textual-reasoning, steps: 2, data: { val_size: 4 } }
  - { id: visual, kind: visual-reasoning, steps: 2, data: { val_size: 4 } }
`;
const B = HEAD('merged') + `  - { id: merged, kind: merged, steps: 6, data: { val_size: 6 } }
`;

function experiment(args: string[], o: { killWhen?: (out: string) => boolean } = {}): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'experiment', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let killed = false;
  child.stdout.on('data', (d) => {
    out += d;
    if (o.killWhen && !killed && o.killWhen(out)) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  child.stderr.on('data', (d) => (err += d));
  return new Promise((res) => child.on('exit', (code, signal) => res({ code, signal, out, err })));
}

const json = <T>(p: string) => JSON.parse(readFileSync(p, 'utf8')) as T;

describe('see2think experiment (CLI, 2 seeds, tiny)', function () {
  this.timeout(900000);
  let tmp: string;
  let args: string[];
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 's2t-exp-'));
    writeFileSync(join(tmp, 'a.recipe.yaml'), A);
    writeFileSync(join(tmp, 'b.recipe.yaml'), B);
    args = [join(tmp, 'a.recipe.yaml'), join(tmp, 'b.recipe.yaml'), '--seeds', '2', '--no-controls', '--eval-size', '6', '--runs-dir', join(tmp, 'runs')];
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
      const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('pauses at --budget, survives SIGKILL, and the same command finishes with the report', async () => {
    const paused = await experiment([...args, '--budget', '0.05']);
    assert.equal(paused.code, 75, paused.out + paused.err);
    assert.match(paused.out, /budget of 0\.05 min spent/);
    assert.match(paused.out, /continue with the same command \(paused by --budget\)/);

    // Killed outright while seed 2's merged run trains (its stage process, detached, may outlive it).
    const killed = await experiment(args, { killWhen: (out) => /\[\d+\/4\] seed 2 · merged: training/.test(out) && /\[merged\] (starting|resuming)/.test(out.slice(out.lastIndexOf('seed 2 · merged'))) });
    assert.equal(killed.signal, 'SIGKILL', killed.out + killed.err);

    const done = await experiment(args);
    assert.equal(done.code, 0, done.out + done.err);
    assert.match(done.out, /\(continuing\)/);
    assert.match(done.out, /complete; wall time/);

    const dir = join(tmp, 'runs', 'experiments', 'staged-vs-merged');
    const report = json<ExperimentReport>(join(dir, 'report.json'));
    assert.equal(report.complete, true);
    assert.deepEqual(report.seedsDone, [1, 2]);
    assert.ok(report.wallSeconds > 0);
    assert.deepEqual(report.arms.map((a) => a.name), ['staged', 'merged']);
    for (const arm of report.arms) {
      for (const set of ['perception', 'textual-reasoning', 'visual-reasoning'] as const) {
        const acc = arm.final[set]!.accuracy!;
        assert.equal(acc.n, 2);
        assert.ok(acc.values.every((v) => v !== null && v >= 0 && v <= 1), `${arm.name} ${set}: ${JSON.stringify(acc)}`);
      }
    }
    const d = report.paired.find((p) => p.first === 'staged' && p.second === 'merged' && p.set === 'visual-reasoning' && p.measure === 'accuracy')!;
    assert.deepEqual(d.stat.values, report.arms[0].final['visual-reasoning']!.accuracy!.values.map((v, i) => v! - report.arms[1].final['visual-reasoning']!.accuracy!.values[i]!));
    assert.deepEqual(report.path.map((p) => p.checkpoint), ['warmup', 'perception', 'textual', 'visual']);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    assert.match(md, /^# Experiment staged-vs-merged: staged vs merged/);
    assert.match(md, /Complete: 2 seeds per arm\./);
    const png = PNG.sync.read(readFileSync(join(dir, 'response_length.png')));
    assert.ok(png.width > 100 && png.height > 100);

    // Ordinary run directories, grouped; each arm of a seed starts from the very same warm-up weights.
    for (const seed of [1, 2]) {
      const runA = join(tmp, 'runs', 'staged', `staged-vs-merged-staged-s${seed}`);
      const runB = join(tmp, 'runs', 'merged', `staged-vs-merged-merged-s${seed}`);
      assert.deepEqual(json<RunMeta>(join(runA, 'run.json')).group, { experiment: 'staged-vs-merged', arm: 'staged', seed });
      assert.deepEqual(json<RunMeta>(join(runB, 'run.json')).group, { experiment: 'staged-vs-merged', arm: 'merged', seed });
      for (const [run, stages] of [[runA, ['warmup', 'perception', 'textual', 'visual']], [runB, ['warmup', 'merged']]] as const) {
        for (const s of stages) assert.equal(json<StageStatus>(join(run, 'stages', s, 'status.json')).state, 'succeeded', `${run} ${s}`);
      }
      const weights = (run: string) => readFileSync(join(run, 'stages', 'warmup', 'checkpoints', 'step-12', 'weights.bin'));
      assert.ok(weights(runA).equals(weights(runB)), `seed ${seed}: shared warm-up`);
      assert.equal(readFileSync(join(runB, 'stages', 'merged', 'log.txt'), 'utf8').includes('from warmup/step-12'), true);
      // the merged stage's steps are contiguous despite the kill
      const steps = readFileSync(join(runB, 'stages', 'merged', 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).step as number);
      assert.deepEqual(steps, [0, 1, 2, 3, 4, 5, 6]);
      // three held-out sets per final checkpoint (A: also warm-up, perception and textual ends)
      assert.equal(readdirSync(join(runA, 'evals')).filter((f) => f.endsWith('.jsonl')).length, 12);
      assert.equal(readdirSync(join(runB, 'evals')).filter((f) => f.endsWith('.jsonl')).length, 3);
    }

    // Run again: nothing left to train or evaluate; the report is rewritten with the same numbers.
    const evalsBefore = statSync(join(tmp, 'runs', 'merged', 'staged-vs-merged-merged-s1', 'evals')).mtimeMs;
    const again = await experiment(args);
    assert.equal(again.code, 0, again.out + again.err);
    assert.match(again.out, /already trained/);
    assert.doesNotMatch(again.out, /\(\d+ s\)$/m, 'every evaluation reused');
    assert.equal(statSync(join(tmp, 'runs', 'merged', 'staged-vs-merged-merged-s1', 'evals')).mtimeMs, evalsBefore);
    assert.deepEqual(json<ExperimentReport>(join(dir, 'report.json')).arms, report.arms);
  });
});
