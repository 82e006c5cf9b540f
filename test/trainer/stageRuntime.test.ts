// The stage runtime as the supervisor and SLURM scripts use it: `see2think stage <run-dir> <id>` in a child
// process. Resume after SIGKILL continues contiguously and reproduces an uninterrupted run step for step
// (optimizer and RNG continue); SIGTERM checkpoints and ends `cancelled` (exit 143); crashes end `failed`
// with the error in status.json; a closed stdout does not stop training.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { MetricRecord, StageStatus, StreamRecord } from '../../protocol/runRecords';
import { latestCheckpoint, listCheckpoints } from '../../core/rundir/checkpointPaths';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'cli', 'main.ts');

export const TEST_RECIPE = `name: t
model:
  trainer: builtin
  preset: tiny
  size: { d_model: 32, n_heads: 2, d_ff: 64, n_layers: 1 }
defaults:
  algorithm: { rollout_n: 4, rollout_batch_size: 4, global_batch_size: 2, max_response_length: 40, save_freq: 2, val_freq: 3, lr: 0.0005 }
stages:
  - { id: warm, kind: sft, steps: 6, init_from: null, data: { val_size: 8 }, algorithm: { lr: 0.003, global_batch_size: 8 } }
  - { id: rl, kind: visual-reasoning, steps: 8, data: { val_size: 8 } }
`;

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function startStage(runDir: string, stage: string, flags: string[] = [], stdio: 'pipe' | 'ignore-stdout' = 'pipe'): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', CLI, 'stage', runDir, stage, ...flags], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  if (stdio === 'ignore-stdout') child.stdout!.destroy();
  else child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Exit>((res) => child.on('exit', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

const stageDir = (runDir: string, id: string) => join(runDir, 'stages', id);
const metrics = (runDir: string, id: string): MetricRecord[] => {
  const p = join(stageDir(runDir, id), 'metrics.jsonl');
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => parseJsonLoose(l) as MetricRecord) : [];
};
const status = (runDir: string, id: string) => JSON.parse(readFileSync(join(stageDir(runDir, id), 'status.json'), 'utf8')) as StageStatus;

/** Calls `then` as soon as the stage streams its metric record for `step` (faster than polling the files). */
function onMetric(child: ChildProcess, step: number, then: () => void): void {
  let partial = '';
  child.stdout!.on('data', (d) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const l of lines) {
      const r = parseJsonLoose(l) as StreamRecord | undefined;
      if (r?.type === 'metric' && r.record.step === step) then();
    }
  });
}

describe('see2think stage (child process)', function () {
  this.timeout(300000);
  let tmp: string;
  let base: string;
  const newRun = (name: string) => {
    const dir = join(tmp, name);
    cpSync(base, dir, { recursive: true });
    return dir;
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 's2t-stage-'));
    writeFileSync(join(tmp, 't.recipe.yaml'), TEST_RECIPE);
    base = createRun({ recipeFile: join(tmp, 't.recipe.yaml'), runsDir: join(tmp, 'runs'), runId: 'base' }).runDir;
    const r = await startStage(base, 'warm').done;
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes status, contiguous metrics with global steps, traces with PNGs, checkpoints (meta last) and streams the same records', async () => {
    const st = status(base, 'warm');
    assert.equal(st.state, 'succeeded');
    assert.equal(st.step, 6);
    assert.equal(st.last_checkpoint, 'checkpoints/step-6');
    assert.equal(st.exit_code, 0);
    assert.deepEqual(metrics(base, 'warm').map((m) => m.step), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(listCheckpoints(stageDir(base, 'warm')).map((c) => c.step), [2, 4, 6]);
    const run = JSON.parse(readFileSync(join(base, 'run.json'), 'utf8'));
    assert.match(run.backend, /^(native|wasm|cpu|tensorflow)/);

    const dir = newRun('streams');
    const r = await startStage(dir, 'rl').done;
    assert.equal(r.code, 0, r.stderr);
    const ms = metrics(dir, 'rl');
    assert.deepEqual(ms.map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(ms.map((m) => m.global_step), [6, 7, 8, 9, 10, 11, 12, 13, 14], 'global steps continue from warm');
    for (const k of ['reward/overall', 'reward/accuracy', 'reward/format', 'response_length/mean', 'actor/kl_loss', 'actor/entropy',
      'actor/pg_loss', 'actor/pg_clipfrac', 'actor/grad_norm', 'actor/lr', 'perf/throughput']) {
      assert.equal(typeof ms[1][k], 'number', k);
    }
    for (const k of ['val/accuracy', 'val/reward', 'val/format', 'val/response_length']) assert.equal(typeof ms[0][k], 'number', k);
    const traces = readFileSync(join(stageDir(dir, 'rl'), 'traces.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(traces.length, 16, 'two prompts per step');
    assert.equal(traces[0].responses.length, 4, 'the whole group');
    assert.ok(traces.every((t) => t.image && existsSync(join(stageDir(dir, 'rl'), t.image))), 'visual prompts carry their PNG');
    assert.ok(traces[0].responses.every((x: { advantage: number; length: number }) => typeof x.advantage === 'number' && x.length > 0));
    const meta = JSON.parse(readFileSync(join(stageDir(dir, 'rl'), 'checkpoints', 'step-8', 'meta.json'), 'utf8'));
    assert.equal(meta.parent, 'warm/step-6');
    assert.equal(meta.global_step, 14);
    const stream = r.stdout.split('\n').filter(Boolean).map((l) => parseJsonLoose(l) as StreamRecord);
    assert.equal(stream.filter((s) => s.type === 'metric').length, 9, 'every metric record is streamed');
    assert.equal(stream.filter((s) => s.type === 'trace').length, 16);
    assert.ok(stream.some((s) => s.type === 'checkpoint'));
    assert.deepEqual(stream.filter((s) => s.type === 'status').map((s) => (s as { record: StageStatus }).record.state).slice(-1), ['succeeded']);
  });

  it('resume after SIGKILL continues contiguously and reproduces the uninterrupted run (optimizer and RNG continue)', async () => {
    const ref = newRun('ref');
    assert.equal((await startStage(ref, 'rl').done).code, 0);
    const dir = newRun('killed');
    const { child, done } = startStage(dir, 'rl');
    // Kill after the step-4 checkpoint, with step 5 (to be redone) already written: as soon as step 5's record is
    // streamed (a tiny step takes ~30 ms with the native kernels, so polling the files could miss the window).
    onMetric(child, 5, () => child.kill('SIGKILL'));
    await done;
    assert.equal(latestCheckpoint(stageDir(dir, 'rl'))?.step, 4, 'killed between step 5 and the step-6 checkpoint');
    assert.ok(metrics(dir, 'rl').some((m) => m.step === 5), 'step 5 was written before the kill');
    assert.equal(status(dir, 'rl').state, 'running', 'a killed stage leaves its status as it was');
    const r = await startStage(dir, 'rl', ['--resume']).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /resuming from .*step-4/);
    const got = metrics(dir, 'rl');
    const want = metrics(ref, 'rl');
    assert.deepEqual(got.map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'contiguous, no duplicates');
    for (const k of ['reward/overall', 'actor/pg_loss', 'actor/kl_loss', 'response_length/mean', 'val/accuracy']) {
      got.forEach((m, i) => {
        if (typeof want[i][k] === 'number') assert.ok(Math.abs((m[k] as number) - (want[i][k] as number)) < 1e-4, `step ${m.step} ${k}: ${m[k]} vs ${want[i][k]}`);
      });
    }
    const tr = readFileSync(join(stageDir(dir, 'rl'), 'traces.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).step);
    assert.deepEqual(tr, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8]);
    assert.equal(status(dir, 'rl').state, 'succeeded');
  });

  it('SIGTERM saves a checkpoint and ends cancelled with exit 143; --resume finishes it', async () => {
    const dir = newRun('term');
    const { child, done } = startStage(dir, 'rl');
    onMetric(child, 3, () => child.kill('SIGTERM'));
    const r = await done;
    assert.equal(r.code, 143, r.stderr);
    const st = status(dir, 'rl');
    assert.equal(st.state, 'cancelled');
    assert.ok(st.step! >= 3);
    assert.equal(st.last_checkpoint, `checkpoints/step-${st.step}`);
    assert.equal(latestCheckpoint(stageDir(dir, 'rl'))?.step, st.step, 'checkpoint at the step it stopped');
    assert.deepEqual(metrics(dir, 'rl').map((m) => m.step), Array.from({ length: st.step! + 1 }, (_, i) => i));
    const again = await startStage(dir, 'rl').done;
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already has progress .*--resume/);
    assert.equal((await startStage(dir, 'rl', ['--resume']).done).code, 0);
    assert.deepEqual(metrics(dir, 'rl').map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a crash ends failed with the error in status.json: missing parent checkpoint, corrupt weights', async () => {
    const fresh = createRun({ recipeFile: join(tmp, 't.recipe.yaml'), runsDir: join(tmp, 'runs'), runId: 'fresh' }).runDir;
    const r = await startStage(fresh, 'rl').done;
    assert.equal(r.code, 1);
    const st = status(fresh, 'rl');
    assert.equal(st.state, 'failed');
    assert.equal(st.error, "stage rl starts from warm's final checkpoint, but warm has none — run warm first");

    const dir = newRun('corrupt');
    truncateSync(join(stageDir(dir, 'warm'), 'checkpoints', 'step-6', 'weights.bin'), 100);
    const c = await startStage(dir, 'rl').done;
    assert.equal(c.code, 1);
    assert.match(status(dir, 'rl').error!, /weights\.bin: 100 bytes, expected \d+/);
  });

  it('keeps training when its stdout is closed (EPIPE); --restart discards earlier progress', async () => {
    const dir = newRun('epipe');
    const r = await startStage(dir, 'rl', [], 'ignore-stdout').done;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(metrics(dir, 'rl').map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const again = await startStage(dir, 'rl', ['--restart']).done;
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(metrics(dir, 'rl').map((m) => m.step), [0, 1, 2, 3, 4, 5, 6, 7, 8], 'restarted from scratch, not appended');
  });
});
