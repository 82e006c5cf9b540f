// System metrics of a SLURM stage on a real single-node SLURM (jobacct_gather/linux): the real `sstat` of a
// running job parses (its batch step, CPU time, resident memory), and a built-in-trainer stage run as a job
// records system/cpu and system/rss from sstat inside its job — with the note that it has no GPU metrics.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { stageArgv } from '../../core/launch/index';
import { SlurmLauncher } from '../../core/launch/slurm';
import { queryJob as queryJobState } from '../../core/launch/slurmCommands';
import { queryJob, type JobUsage } from '../../core/system/jobUsage';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { METRICS } from '../../protocol/metrics';
import type { MetricRecord } from '../../protocol/runRecords';
import { startCluster, type LocalCluster } from './cluster';

const ROOT = join(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RECIPE = `
name: sysjob
model: { trainer: builtin, preset: tiny }
defaults:
  algorithm: { rollout_n: 2, rollout_batch_size: 2, global_batch_size: 4, max_response_length: 48, save_freq: 100, val_freq: 1000, val_before_train: false, lr: 2.0e-3 }
  launch: { target: slurm, cpus: 1, time: "10" }
stages:
  - { id: warm, kind: sft, steps: 100000, init_from: null, data: { val_size: 4 } }
`;

describe('system metrics of a SLURM stage (real sstat)', function () {
  this.timeout(300000);
  let cluster: LocalCluster;
  let work: string;

  before(async () => {
    if (!existsSync(CLI)) {
      const b = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
    cluster = await startCluster();
    work = mkdtempSync(join(tmpdir(), 's2t-sysjob-'));
  });
  after(() => {
    cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reads the running job with sstat, and the stage records its CPU and memory from it', async () => {
    const file = join(work, 'sysjob.recipe.yaml');
    writeFileSync(file, RECIPE);
    const { runDir } = createRun({ recipeFile: file, runsDir: join(work, 'runs'), runId: 'r1' });
    const launcher = new SlurmLauncher({ env: cluster.env, pollMs: 200 });
    const h = await launcher.start({
      runDir, stageId: 'warm', argv: stageArgv({ runDir, stageId: 'warm', node: process.execPath, cliJs: CLI }),
      env: { SEE2THINK_SYSTEM_INTERVAL: '1' }, logFile: join(runDir, 'stages/warm/log.txt'), cwd: join(runDir, 'stages/warm'),
    });
    // The stage is far longer than the test: it runs until sstat has answered and the stage has recorded its CPU
    // and memory (however fast this machine is), then is cancelled.
    let done = false;
    const exit = h.wait().finally(() => (done = true));
    let seen: JobUsage | undefined;
    let rows: MetricRecord[] = [];
    const recorded = () => rows.some((r) => (r[METRICS.systemRss] as number) > 0.02) && rows.some((r) => typeof r[METRICS.systemCpu] === 'number');
    const deadline = Date.now() + 180000;
    while (!done && !(seen && recorded()) && Date.now() < deadline) {
      const state = await queryJobState(h.id, { env: cluster.env });
      if (state?.state === 'RUNNING') {
        const s = await queryJob(h.id, { ...process.env, ...cluster.env });
        if ('usage' in s && s.usage.rssBytes > 0) seen = s.usage;
      }
      rows = readJsonl<MetricRecord>(join(runDir, 'stages/warm/metrics.jsonl')).records;
      await sleep(500);
    }
    assert.equal(done, false, 'the stage was still running');
    await h.cancel();
    assert.equal((await exit).state, 'cancelled');
    assert.ok(seen, 'sstat reported the running job');
    assert.ok(seen.steps.includes(`${h.id}.batch`), `steps: ${seen.steps}`);
    assert.ok(seen.rssBytes > 20 * 1024 * 1024, `the stage process's resident memory: ${seen.rssBytes} bytes`);
    assert.ok(seen.cpuSeconds >= 0);

    const log = readFileSync(join(runDir, 'stages/warm/log.txt'), 'utf8');
    assert.doesNotMatch(log, /instead of the SLURM job/, 'sstat answered inside the job');
    assert.match(log, /note: no GPU metrics: nvidia-smi is not on PATH/);
    assert.ok(rows.some((r) => (r[METRICS.systemRss] as number) > 0.02), 'system/rss (GiB) from sstat');
    assert.ok(rows.some((r) => typeof r[METRICS.systemCpu] === 'number'), 'system/cpu');
  });
});
