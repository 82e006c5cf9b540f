// The slurm launch target against a real single-node SLURM on localhost: a built-in-trainer stage submitted,
// seen RUNNING, its metrics read from the run directory while it runs, COMPLETED; a stage cancelled (scancel;
// the trainer process is gone); an impossible request shown PENDING with its reason; a chain that waits with
// --dependency=afterok. The job runs the real bundled CLI (dist/cli.js, built by the `build` test layer).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { stageArgv } from '../../core/launch/index';
import { SlurmLauncher } from '../../core/launch/slurm';
import { parseSacct, queryJob, runTool } from '../../core/launch/slurmCommands';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { StageHandle } from '../../core/launch/target';
import { startCluster, type LocalCluster } from './cluster';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RECIPE = (o: { steps: number; cpus?: number; second?: boolean }) => `
name: slurmtest
model: { trainer: builtin, preset: tiny }
defaults:
  algorithm: { rollout_n: 2, rollout_batch_size: 2, global_batch_size: 2, max_response_length: 48, save_freq: 5, val_freq: 1000, val_before_train: false }
  launch: { target: slurm, cpus: ${o.cpus ?? 1}, time: "10" }
stages:
  - { id: warm, kind: sft, steps: ${o.steps}, data: { val_size: 4 }, algorithm: { global_batch_size: 4, lr: 2.0e-3 } }
${o.second ? '  - { id: perception, kind: perception, steps: 2, data: { val_size: 4 } }' : ''}
`;

/** Processes whose command line mentions `needle` (the trainer processes of one run). */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const st = readFileSync(`/proc/${p}/status`, 'utf8');
      if (cmd.includes(needle) && !/^State:\s+Z/m.test(st)) pids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('slurm launch target on a real single-node SLURM', function () {
  this.timeout(300000);
  let cluster: LocalCluster;
  let work: string;
  let launcher: SlurmLauncher;
  const handles: StageHandle[] = [];

  before(async function () {
    if (!existsSync(CLI)) {
      const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
    cluster = await startCluster();
    launcher = new SlurmLauncher({ env: cluster.env, pollMs: 150 });
    work = mkdtempSync(join(tmpdir(), 's2t-slurm-runs-'));
  });

  after(async () => {
    for (const h of handles) await h.cancel().catch(() => undefined);
    cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function newRun(name: string, yaml: string) {
    const file = join(work, `${name}.recipe.yaml`);
    writeFileSync(file, yaml);
    return createRun({ recipeFile: file, runsDir: join(work, 'runs'), runId: name });
  }

  async function launch(runDir: string, stageId: string): Promise<StageHandle> {
    const h = await launcher.start({
      runDir, stageId, argv: stageArgv({ runDir, stageId, node: process.execPath, cliJs: CLI }),
      logFile: join(runDir, 'stages', stageId, 'log.txt'), cwd: join(runDir, 'stages', stageId),
    });
    handles.push(h);
    return h;
  }

  it('runs a built-in-trainer stage as a job: RUNNING, metrics while it runs, COMPLETED', async () => {
    // 400 tiny SFT steps: a few seconds even with the native kernels, so the run folder is read as it grows.
    const steps = 400;
    const { runDir } = newRun('complete', RECIPE({ steps }));
    const h = await launch(runDir, 'warm');
    assert.match(h.id, /^\d+$/);
    const script = readFileSync(join(runDir, 'stages/warm/job.sbatch'), 'utf8');
    assert.match(script, /^#SBATCH --cpus-per-task=1$/m);
    assert.match(script, /^#SBATCH --time=10$/m);
    assert.match(script, /^exec '.*node' '.*dist\/cli\.js' 'stage' '.*' 'warm'$/m);
    const first = readStageStatus(runDir, 'warm').value!;
    assert.equal(first.job_id, h.id);
    assert.equal(first.target, 'slurm');

    const streamed: string[] = [];
    h.onStdoutLine((l) => streamed.push(l));
    let done = false;
    const exit = h.wait().finally(() => (done = true));
    const seen = new Set<string>();
    const countsWhileRunning = new Set<number>();
    while (!done) {
      const info = await queryJob(h.id, { env: cluster.env });
      if (info) seen.add(info.state);
      if (info?.state === 'RUNNING') countsWhileRunning.add(readJsonl(join(runDir, 'stages/warm/metrics.jsonl')).records.length);
      await sleep(100);
    }
    const result = await exit;
    assert.deepEqual(result, { state: 'succeeded', exitCode: 0, signal: null });
    assert.ok(seen.has('RUNNING'), `saw ${[...seen]}`);
    const partial = [...countsWhileRunning].filter((n) => n > 0 && n < steps);
    assert.ok(partial.length >= 2, `metrics read from the run dir while RUNNING, as they grew: ${[...countsWhileRunning]}`);
    const metrics = readJsonl<{ step: number }>(join(runDir, 'stages/warm/metrics.jsonl')).records;
    assert.deepEqual(metrics.map((m) => m.step), Array.from({ length: steps }, (_, i) => i + 1));
    const status = readStageStatus(runDir, 'warm').value!;
    assert.equal(status.state, 'succeeded');
    assert.equal(status.job_id, h.id, 'the trainer kept the job id');
    assert.equal(status.exit_code, 0);
    assert.equal(status.target, 'slurm');
    const records = streamed.map((l) => parseJsonLoose(l) as { type: string });
    assert.ok(records.filter((r) => r.type === 'metric').length === steps, 'the job stdout (trainer records) was streamed while it grew');
    const log = readFileSync(join(runDir, 'stages/warm/log.txt'), 'utf8');
    assert.match(log, new RegExp(`slurm: SLURM job ${h.id} submitted`));
    assert.match(log, new RegExp(`\\[warm\\] succeeded at step ${steps}`));
    assert.match(log, new RegExp(`slurm: job ${h.id} ended COMPLETED \\(exit code 0\\): stage succeeded`));
    // The accounting fallback (here the job-completion file, `sacct -c`) knows the job too.
    let acct;
    for (let i = 0; i < 50 && !acct; i++, await sleep(100)) {
      acct = parseSacct((await runTool(['sacct', '-c', '-j', h.id, '-n', '-P', '-o', 'JobID,State,ExitCode'], { env: cluster.env })).stdout, h.id);
    }
    assert.deepEqual(acct, { state: 'COMPLETED', exitCode: 0, signal: undefined, source: 'sacct' });
  });

  it('cancels a running stage with scancel: CANCELLED, status cancelled, the trainer process gone', async () => {
    const { runDir } = newRun('cancel', RECIPE({ steps: 5000 }));
    const h = await launch(runDir, 'warm');
    for (let i = 0; i < 600; i++) {
      if (readJsonl(join(runDir, 'stages/warm/metrics.jsonl')).records.length >= 2) break;
      await sleep(100);
    }
    assert.equal(readStageStatus(runDir, 'warm').value!.state, 'running');
    assert.ok(processesWith(runDir).length > 0, 'the trainer runs');
    await h.cancel();
    const exit = await h.wait();
    assert.equal(exit.state, 'cancelled');
    const info = await queryJob(h.id, { env: cluster.env });
    assert.equal(info?.state, 'CANCELLED');
    const status = readStageStatus(runDir, 'warm').value!;
    assert.equal(status.state, 'cancelled');
    assert.equal(status.job_id, h.id);
    for (let i = 0; i < 100 && processesWith(runDir).length; i++) await sleep(100);
    assert.deepEqual(processesWith(runDir), [], 'no process of this run is left');
  });

  it('shows an impossible request as PENDING with its reason, and can cancel it', async () => {
    const { runDir } = newRun('impossible', RECIPE({ steps: 5, cpus: 64 }));
    const h = await launch(runDir, 'warm');
    let status = readStageStatus(runDir, 'warm').value!;
    for (let i = 0; i < 100 && !status.pending_reason; i++) {
      await sleep(100);
      status = readStageStatus(runDir, 'warm').value!;
    }
    assert.equal(status.state, 'pending');
    assert.equal(status.job_id, h.id);
    assert.match(status.pending_reason ?? '', /^PartitionConfig: the request exceeds what the partition's nodes have/);
    assert.equal((await queryJob(h.id, { env: cluster.env }))?.state, 'PENDING');
    await h.cancel();
    assert.equal((await h.wait()).state, 'cancelled');
    assert.equal(readStageStatus(runDir, 'warm').value!.state, 'cancelled');
  });

  it('runs an external-trainer stage as a job the same way (EasyR1 stand-in through the stage bridge)', async () => {
    const fake = join(ROOT, 'test/fixtures/external/fake-easyr1');
    writeFileSync(join(work, 'train.jsonl'), '{"problem": "1+1?", "answer": "2"}\n');
    const { runDir } = newRun('external', `
name: slurmext
model: { trainer: easyr1, trainer_version: d146d24, path: Qwen/Qwen2.5-VL-7B-Instruct, cwd: ${JSON.stringify(fake)} }
defaults:
  algorithm: { save_freq: 2, val_freq: 2 }
  launch: { target: slurm, cpus: 1, time: "10" }
stages:
  - { id: perception, kind: perception, steps: 4, data: { file: train.jsonl, val_file: train.jsonl, val_size: 2 } }
`);
    const h = await launch(runDir, 'perception');
    const exit = await h.wait();
    assert.deepEqual(exit, { state: 'succeeded', exitCode: 0, signal: null }, readFileSync(join(runDir, 'stages/perception/log.txt'), 'utf8'));
    const status = readStageStatus(runDir, 'perception').value!;
    assert.deepEqual([status.state, status.job_id, status.step, status.target], ['succeeded', h.id, 4, 'slurm']);
    assert.deepEqual(readJsonl<{ step: number }>(join(runDir, 'stages/perception/metrics.jsonl')).records.map((m) => m.step), [0, 1, 2, 3, 4]);
    assert.deepEqual(readdirSync(join(runDir, 'evals')).sort(), ['perception-step-0.jsonl', 'perception-step-2.jsonl', 'perception-step-4.jsonl']);
    assert.ok(existsSync(join(runDir, 'stages/perception/easyr1/global_step_4/actor/huggingface/model.safetensors')), 'the merge ran in the job');
    assert.match(readFileSync(join(runDir, 'stages/perception/log.txt'), 'utf8'), /Initializing logging file to/);
    assert.match(readFileSync(join(runDir, 'stages/perception/log.txt'), 'utf8'), /easyr1 d146d24: hiyouga\/EasyR1 cec1814/, 'the job compiled for the version the recipe names');
  });

  it('chains stages: the next job waits for the previous one with --dependency=afterok', async () => {
    const { runDir } = newRun('chain', RECIPE({ steps: 6, second: true }));
    const a = await launch(runDir, 'warm');
    const b = await launch(runDir, 'perception');
    const pending = readStageStatus(runDir, 'perception').value!;
    assert.equal(pending.state, 'pending');
    assert.match(pending.pending_reason ?? '', new RegExp(`^Dependency: .*stage 'warm', job ${a.id}`));
    assert.match(readFileSync(join(runDir, 'stages/perception/log.txt'), 'utf8'), new RegExp(`--dependency=afterok:${a.id}`));
    assert.deepEqual([(await a.wait()).state, (await b.wait()).state], ['succeeded', 'succeeded']);
    const warmEnd = readStageStatus(runDir, 'warm').value!.ended!;
    const percStart = readStageStatus(runDir, 'perception').value!.started!;
    assert.ok(percStart >= warmEnd, `perception started (${percStart}) after warm ended (${warmEnd})`);
    assert.deepEqual(readJsonl<{ step: number }>(join(runDir, 'stages/perception/metrics.jsonl')).records.map((m) => m.step), [1, 2]);
  });
});
