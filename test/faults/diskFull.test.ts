// A full disk (ENOSPC, a small tmpfs filled at the right moment) under a real run driven by the extension's
// supervisor (real `see2think stage` processes of the built CLI): during a stage's appends, during a
// checkpoint write, and under the lock update before a stage starts. Each time the stage ends as failed with a
// message that names the full disk, whatever was written before is still there and readable (no torn line,
// the last checkpoint loads), the lock goes and job.done resolves — the window is never left waiting.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type MetricRecord } from '../../protocol/runRecords';
import { createRun } from '../../core/rundir/runDir';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { latestCheckpoint, listCheckpoints } from '../../core/rundir/checkpointPaths';
import { RunStore } from '../../extension/runs/store';
import { Supervisor, type JobResult, type RunJob } from '../../extension/runs/supervisor';
import { readLock } from '../../extension/runs/runLock';
import { checkRunContract } from './runContract';
import { CLI_JS, ensureBuilt, fillLeaving, freeBytes, mountTmpfs, processesWith, sleep, writeRecipe } from './faultKit';

const recipe = (steps: number, saveFreq: number) => `name: full
model: { trainer: builtin, preset: tiny }
defaults:
  algorithm: { rollout_n: 4, rollout_batch_size: 4, global_batch_size: 8, lr: 2.0e-3, max_response_length: 24, save_freq: ${saveFreq}, val_freq: 1000, val_before_train: false }
stages:
  - { id: warmup, kind: sft, steps: ${steps}, init_from: null, data: { val_size: 8 } }
`;

/** job.done, or a failure naming the hang. */
async function settled(job: RunJob, ms: number): Promise<JobResult> {
  const r = await Promise.race([job.done, sleep(ms).then(() => undefined)]);
  assert.ok(r, `job.done did not resolve within ${ms} ms: the window would be left waiting`);
  return r;
}

async function until(f: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !f(); await sleep(50)) if (Date.now() > end) assert.fail(`timed out: ${what}`);
}

describe('a full disk under a running stage', function () {
  this.timeout(240000);
  let fs: { dir: string; unmount: () => void } | undefined;
  let store: RunStore;
  let sup: Supervisor;
  const logs: string[] = [];
  before(function () {
    ensureBuilt();
    const m = mountTmpfs(`/tmp/s2t-enospc-${process.pid}`, 24 << 20);
    if ('error' in m) {
      console.log(`      skipped: ${m.error}`);
      this.skip();
    }
    fs = m as { dir: string; unmount: () => void };
  });
  after(() => fs?.unmount());
  beforeEach(() => {
    for (const f of readdirSync(fs!.dir)) rmSync(join(fs!.dir, f), { recursive: true, force: true });
    store = new RunStore({ pollMs: 200, flushMs: 5, warn: (m) => logs.push(m) });
    sup = new Supervisor({ store, cliJs: CLI_JS, graceMs: 6000, logPollMs: 100, log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) } });
  });
  afterEach(() => {
    sup.dispose();
    store.dispose();
  });
  const metricsOf = (runDir: string) => join(runDir, 'stages/warmup', RUN_FILES.metrics);

  it('while a stage runs: failed naming the file, every line written before kept, resumable', async () => {
    const file = writeRecipe(join(fs!.dir, 'full.recipe.yaml'), recipe(400, 4));
    const job = await sup.startRun(file, ['warmup']);
    await until(() => latestCheckpoint(join(job.runDir, 'stages/warmup')) !== undefined && readJsonl(metricsOf(job.runDir)).records.length >= 6, 120000, 'a checkpoint and six metric lines');
    const before = readFileSync(metricsOf(job.runDir));
    // No block left: the first write that needs one fails — status.json's per-step rewrite, or an append.
    const filler = fillLeaving(fs!.dir, 0);
    const r = await settled(job, 60000);
    assert.equal(r.state, 'failed');
    assert.match(r.ends[0].error ?? '', /ENOSPC: no space left on device, write \(.*(status\.json|metrics\.jsonl|traces\.jsonl)\)/, r.ends[0].error);
    assert.equal(readLock(job.runDir), undefined, 'lock released');
    assert.deepEqual(processesWith(job.runDir), [], 'no trainer left');
    const after = readFileSync(metricsOf(job.runDir));
    assert.ok(after.subarray(0, before.length).equals(before), 'every metric line written before the disk filled is still there');
    assert.deepEqual(readJsonl(metricsOf(job.runDir)).bad, [], 'no torn line');
    console.log(`      stage end: ${(r.ends[0].error ?? '').split('\n')[0]}`);
    // Space again: Resume continues from the last checkpoint and the run is whole.
    rmSync(filler);
    const lastBefore = readJsonl<MetricRecord>(metricsOf(job.runDir)).records.at(-1)!.step;
    const again = await sup.runStages(job.runDir, ['warmup'], { resumeFirst: true });
    await until(() => (readJsonl<MetricRecord>(metricsOf(job.runDir)).records.at(-1)?.step ?? 0) > lastBefore + 2, 120000, 'the resumed stage logging past where it failed');
    await sup.stop(job.runDir);
    await settled(again, 30000);
    assert.deepEqual(checkRunContract(job.runDir, { finished: false }), []);
  });

  it('during a checkpoint write: failed naming the file, the previous checkpoint intact, no partial file left', async () => {
    const file = writeRecipe(join(fs!.dir, 'full.recipe.yaml'), recipe(400, 6));
    const job = await sup.startRun(file, ['warmup']);
    const stageDir = join(job.runDir, 'stages/warmup');
    await until(() => listCheckpoints(stageDir).length >= 1, 120000, 'a first checkpoint');
    const first = listCheckpoints(stageDir)[0];
    const weights = statSync(join(first.dir, 'weights.bin')).size;
    // Room for a few steps of metrics, traces and status, not for another weights.bin.
    fillLeaving(fs!.dir, Math.floor(weights / 2));
    const free = freeBytes(fs!.dir);
    const r = await settled(job, 90000);
    assert.equal(r.state, 'failed');
    const error = r.ends[0].error ?? '';
    assert.match(error, /ENOSPC|no space left/i, error);
    assert.match(error, /weights\.bin|optimizer\.bin/, `the failed write is named: ${error}`);
    assert.ok(free < weights, `only ${free} bytes were free for a ${weights}-byte weights.bin`);
    const cks = listCheckpoints(stageDir);
    assert.deepEqual(checkRunContract(job.runDir, { finished: false }).filter((p) => !/not succeeded/.test(p)), [], 'every complete checkpoint loads, no temp file left, no torn line');
    const st = readStageStatus(job.runDir, 'warmup').value!;
    assert.equal(st.state, 'failed', 'the trainer recorded its failure (there was room for status.json)');
    assert.ok(!existsSync(join(stageDir, 'checkpoints', `step-${cks.at(-1)!.step + 6}`, 'meta.json')), 'the checkpoint that could not be written is not complete');
  });

  it('under the lock update before the stage starts: failed at once, nothing launched, status as it was, lock gone', async () => {
    const file = writeRecipe(join(fs!.dir, 'full.recipe.yaml'), recipe(10, 5));
    const run = createRun({ recipeFile: file, runId: 'lockfull' });
    const statusBefore = readFileSync(join(run.runDir, 'stages/warmup', RUN_FILES.status), 'utf8');
    // One block left: enough to create the lock, not to rewrite it (the update writes a temp file first).
    fillLeaving(fs!.dir, 4096);
    const job = await sup.runStages(run.runDir, ['warmup']);
    const r = await settled(job, 20000);
    assert.equal(r.state, 'failed');
    assert.match(r.ends[0]?.error ?? '', /ENOSPC|no space left/i, JSON.stringify(r));
    assert.match(r.ends[0]?.error ?? '', /\.see2think\.lock/);
    assert.equal(readLock(run.runDir), undefined, 'lock released');
    assert.equal(sup.job(run.runDir), undefined);
    assert.deepEqual(processesWith(run.runDir), [], 'no trainer was started');
    assert.equal(readFileSync(join(run.runDir, 'stages/warmup', RUN_FILES.status), 'utf8'), statusBefore, 'status.json untouched (it could not be rewritten, and is not half-written)');
  });
});
