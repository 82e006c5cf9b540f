// GPU and system metrics end to end, as a user runs a stage (bin/see2think.js → dist/cli.js → the stage's own
// process): with a stand-in `nvidia-smi` on PATH printing the real query format (test/fixtures/system), the
// stage's metric records carry system/gpu_* from it and system/cpu and system/rss of its process tree, and the
// summary lists them; without nvidia-smi the run says so once (a note, not an error) and still records CPU and memory.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonLoose } from '../../protocol/jsonLines';
import { METRICS } from '../../protocol/metrics';
import type { MetricRecord } from '../../protocol/runRecords';
import { standInNvidiaSmi } from '../unit/standInNvidiaSmi';
import { ensureBuilt, startCli } from '../faults/faultKit';

const ROOT = join(__dirname, '..', '..');

const RECIPE = `name: sys
model:
  trainer: builtin
  preset: tiny
defaults:
  algorithm:
    rollout_n: 2
    rollout_batch_size: 2
    global_batch_size: 2
    max_response_length: 24
    save_freq: 100
    val_before_train: false
    val_freq: 1000
stages:
  - id: rl
    kind: perception
    steps: 40
    init_from: null
    data:
      val_size: 4
`;

/** `see2think run` with PATH as given (a stand-in nvidia-smi, or none) and a 0.1 s system-metrics interval. */
async function run(recipe: string, runsDir: string, runId: string, path: string): Promise<{ code: number | null; out: string }> {
  const c = startCli(['run', recipe, '--runs-dir', runsDir, '--run-id', runId], { PATH: path, SEE2THINK_SYSTEM_INTERVAL: '0.1' });
  return { code: await c.exited, out: c.out() };
}

const metrics = (runDir: string): MetricRecord[] =>
  readFileSync(join(runDir, 'stages/rl/metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => parseJsonLoose(l) as MetricRecord);

describe('system metrics in a real stage (CLI, child processes)', function () {
  this.timeout(600000);
  let tmp: string;
  let recipe: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 's2t-sys-'));
    recipe = join(tmp, 'sys.recipe.yaml');
    writeFileSync(recipe, RECIPE);
    ensureBuilt();
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('records the stand-in nvidia-smi\'s GPUs and the stage\'s CPU and memory with its metric records', async () => {
    const fake = standInNvidiaSmi(readFileSync(join(ROOT, 'test/fixtures/system/nvidia-smi-2gpu.csv'), 'utf8'));
    const r = await run(recipe, tmp, 'gpu', `${fake.dir}:/usr/bin:/bin`);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /no GPU metrics/);
    const rows = metrics(join(tmp, 'sys', 'gpu'));
    const withGpu = rows.filter((m) => typeof m[METRICS.systemGpuUtil] === 'number');
    assert.ok(withGpu.length >= 2, `${withGpu.length} of ${rows.length} records carry GPU values`);
    for (const m of withGpu) {
      assert.equal(m[METRICS.systemGpuUtil], 89);
      assert.equal(m[METRICS.systemGpuMemory], (40211 + 39874) / 1024);
      assert.ok(Math.abs((m[METRICS.systemGpuPower] as number) - 610.55) < 1e-9);
    }
    assert.ok(rows.some((m) => (m[METRICS.systemCpu] as number) > 0), 'the stage process used CPU');
    assert.ok(rows.some((m) => (m[METRICS.systemRss] as number) > 0.02), 'and memory (GiB)');
    assert.ok(readFileSync(fake.argsLog, 'utf8').split('\n').filter(Boolean).length >= 3, 'sampled every 0.1 s');
    assert.match(r.out, /^rl system: GPU 89 % · 78\.2 GiB peak · 611 W; CPU \d+ % · RSS [\d.]+ GiB peak$/m, 'the summary');
  });

  it('without nvidia-smi: says so once, records CPU and memory only', async () => {
    const r = await run(recipe, tmp, 'cpu', '/usr/bin:/bin');
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.match(/\[rl\] note: no GPU metrics: nvidia-smi is not on PATH/g)?.length, 1, r.out);
    const rows = metrics(join(tmp, 'sys', 'cpu'));
    assert.equal(rows.filter((m) => METRICS.systemGpuUtil in m || METRICS.systemGpuMemory in m).length, 0);
    assert.ok(rows.some((m) => typeof m[METRICS.systemRss] === 'number'));
    assert.match(r.out, /^rl system: no GPU metrics; CPU \d+ % · RSS [\d.]+ GiB peak$/m);
  });
});
