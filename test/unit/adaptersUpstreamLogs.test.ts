// The adapters against logs in the shapes users of EasyR1, verl and TRL publish (test/fixtures/upstream-logs,
// one folder per case; see its README for the upstream code each shape comes from): NumPy 2 console values, a
// crashed console run, verl's file logger writing NaN as null, val-core/val-aux with and without `acc`, older
// verl names, EasyR1's console under Ray, a file named like EasyR1's that is not, TRL completions for
// evaluation and training alike, older TRL names — each read into the values and states a user should see.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectHere, detectRunFolders, openForeignReader } from '../../core/external/detect';
import { AttachedRun, type ForeignFolder } from '../../core/external/attachRun';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { listCheckpoints } from '../../core/rundir/checkpointPaths';
import type { AdapterChunk } from '../../core/external/foreignRun';
import { METRICS } from '../../protocol/metrics';

const LOGS = join(__dirname, '../fixtures/upstream-logs');
const ctx = { stage: 'attached', now: () => 1700000000 };

async function readAll(folder: string): Promise<AdapterChunk & { planned?: number }> {
  const d = detectHere(join(LOGS, folder));
  assert.ok(d && d.kind !== 'see2think', `${folder} is recognised`);
  const r = openForeignReader(d as ForeignFolder, ctx);
  const chunk = await r.finish();
  return { ...chunk, planned: r.plannedSteps() };
}

const at = (c: AdapterChunk, step: number) => Object.assign({}, ...c.metrics.filter((m) => m.step === step)) as Record<string, number>;

describe('adapters on logs in upstream shapes', () => {
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 's2t-logs-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  /** Attaches a copy of a case folder and polls it once now and once after it went quiet. */
  async function attachIdle(folder: string) {
    cpSync(join(LOGS, folder), join(work, folder), { recursive: true });
    let now = Date.now();
    const run = new AttachedRun(detectHere(join(work, folder)) as ForeignFolder, { into: join(work, 'runs'), idleMs: 60000, now: () => now });
    const first = await run.poll();
    now += 3600000;
    const later = await run.poll();
    return { first, later, status: readStageStatus(run.runDir, 'attached').value!, run };
  }

  it('1 verl console with NumPy 2 values that crashed at step 5 of 40: failed, 5/40 — not "succeeded 5/1"', async () => {
    const c = await readAll('verl-console-crashed');
    assert.deepEqual(c.metrics.map((m) => m.step), [0, 1, 2, 3, 4, 5]);
    assert.equal(at(c, 3)['actor/pg_loss'], 0.006, 'np.float64(0.0060) read as a number');
    assert.equal(c.planned, 40);
    const a = await attachIdle('verl-console-crashed');
    assert.deepEqual([a.first, a.later, a.status.step, a.status.total_steps], ['running', 'failed', 5, 40]);
    assert.match(a.status.error!, /at step 5 of 40/);
  });

  it("2 verl's gsm8k reward returning acc: val-core acc is the validation accuracy, val-aux reward the reward", async () => {
    const c = await readAll('verl-console-gsm8k');
    assert.deepEqual([at(c, 0)[METRICS.valAccuracy], at(c, 0)[METRICS.valReward]], [0.508, 0.565]);
    assert.equal(c.planned, 435);
  });

  it('3 older verl: val/test_score/<source> and actor/entropy_loss', async () => {
    const c = await readAll('verl-console-old');
    assert.deepEqual([at(c, 0)[METRICS.valAccuracy], at(c, 0)[METRICS.valReward]], [0.171, 0.171]);
    assert.equal(at(c, 1)[METRICS.entropy], 5.683);
  });

  it('4 verl file logger: null (orjson\'s NaN) is kept as a non-finite value, not dropped', async () => {
    const c = await readAll('verl-file-null');
    const s3 = at(c, 3);
    assert.ok('actor/pg_loss' in s3 && Number.isNaN(s3['actor/pg_loss']));
    assert.ok(Number.isNaN(s3['actor/grad_norm']));
    assert.equal(s3['critic/score/mean'], 0.57);
  });

  it('5 verl file logger at step 34, no console: running, then unknown (the file log does not say the plan)', async () => {
    const a = await attachIdle('verl-file-running');
    assert.deepEqual([a.first, a.later, a.status.step, a.status.total_steps], ['running', 'unknown', 34, 0]);
    assert.deepEqual(listCheckpoints(a.run.stageDir).map((k) => k.step), [30]);
  });

  it('6 verl with acc and format from the reward: the mean over all samples (largest @N) of each variable', async () => {
    const c = await readAll('verl-val-aux');
    assert.deepEqual([METRICS.valAccuracy, METRICS.valReward, METRICS.valFormat].map((k) => at(c, 10)[k]), [0.46, 0.512, 0.98]);
  });

  it('7 verl validation dump with acc from the reward: answers judged by acc, not by the overall score', async () => {
    const c = await readAll('verl-dumps');
    assert.deepEqual(c.evals.map((e) => [e.step, e.records.map((r) => r.correct)]), [[10, [true, false, true]]]);
  });

  it('8 a file named experiment_log.jsonl from another project: not attached as EasyR1, and said why', () => {
    const rejected: string[] = [];
    assert.deepEqual(detectRunFolders(join(LOGS, 'easyr1-not-easyr1'), 3, rejected), []);
    assert.match(rejected.join('\n'), /not an EasyR1 log/);
  });

  it('9 EasyR1 console under Ray (Runner pid=…, colours, another actor in between): steps, validation, plan', async () => {
    const c = await readAll('easyr1-console');
    assert.deepEqual(c.metrics.map((m) => m.step), [0, 1, 2]);
    const s0 = at(c, 0);
    assert.deepEqual([s0[METRICS.valAccuracy], s0[METRICS.valReward], s0[METRICS.valResponseLength]], [0.482, 0.5251, 412.37]);
    const s1 = at(c, 1);
    assert.deepEqual([s1[METRICS.entropy], s1[METRICS.clipFrac], s1['reward/accuracy'], s1['critic/score/mean']], [0.7021, 0.0031, 0.3917, 0.4412]);
    assert.ok(Number.isNaN(s1['actor/grad_norm']), '.nan');
    assert.equal(c.planned, 30);
  });

  it('10 EasyR1 file logger with checkpoint_tracker.json: validation length, the checkpoint, succeeded at its last step', async () => {
    const c = await readAll('easyr1-file');
    assert.deepEqual(c.metrics.map((m) => m[METRICS.valResponseLength]), [501.2, 455]);
    assert.deepEqual(c.checkpoints.map((k) => k.step), [5]);
    const a = await attachIdle('easyr1-file');
    assert.deepEqual([a.first, a.status.step, a.status.total_steps], ['succeeded', 5, 5]);
  });

  it('11 TRL evaluating on start and every 2 steps: one completions file per step, the eval ones as eval rounds', async () => {
    const c = await readAll('trl-eval');
    assert.deepEqual(c.evals.map((e) => [e.step, e.records.length]), [[0, 2], [2, 2]]);
    assert.deepEqual(c.traces.map((t) => [t.step, t.task]), [[0, 'eval'], [0, 'eval'], [1, 'rollout'], [2, 'eval'], [2, 'eval'], [3, 'rollout']]);
  });

  it("12 TRL's score is the reward functions' nansum: a log_extra column is not a reward", async () => {
    const c = await readAll('trl-eval');
    assert.deepEqual(c.traces.find((t) => t.step === 1)!.responses.map((r) => r.reward), [2, 1], 'accuracy_reward + format_reward, parsed_len left out');
  });

  it('13 older TRL names: completion_length, rewards/<fn> without /mean', async () => {
    const c = await readAll('trl-old-names');
    const s1 = at(c, 1);
    assert.deepEqual([s1[METRICS.responseLength], s1[METRICS.rewardAccuracy], s1[METRICS.rewardFormat], s1[METRICS.rewardOverall]], [211.4, 0.5, 0.125, 0.625]);
    assert.equal(c.planned, 20);
  });

  it('14 every case folder is recognised as its trainer (or, for case 8, not at all)', () => {
    const kinds = detectRunFolders(LOGS).map((d) => `${d.dir.slice(LOGS.length + 1)}:${d.kind}`).sort();
    assert.deepEqual(kinds, [
      'easyr1-console:easyr1', 'easyr1-file:easyr1', 'trl-eval:trl', 'trl-old-names:trl',
      'verl-console-crashed:verl', 'verl-console-gsm8k:verl', 'verl-console-old:verl', 'verl-dumps:verl', 'verl-file-null:verl',
      'verl-file-running:verl', 'verl-val-aux:verl',
    ]);
  });
});
