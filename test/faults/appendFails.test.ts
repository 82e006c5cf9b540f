// ENOSPC exactly at a metrics append (a failing fs at the boundary: write() of metrics.jsonl throws ENOSPC after
// some appends, as a full disk would), in the real built-in stage run in this process: the stage records failed
// with the file named, metrics.jsonl keeps every whole line and no torn one, the last checkpoint loads, and a
// resume continues from it to the end.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricRecord } from '../../protocol/runRecords';
import { createRun } from '../../core/rundir/runDir';
import { StageOutput } from '../../core/rundir/stageOutput';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { latestCheckpoint } from '../../core/rundir/checkpointPaths';
import { runStage } from '../../trainer/stage/runStage';
import { checkRunContract } from './runContract';

// The fs module object itself: the run-directory writer's named imports are looked up on it at each call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('node:fs') as Record<'openSync' | 'writeSync' | 'closeSync', (...a: unknown[]) => unknown>;

const RECIPE = `name: af
model: { trainer: builtin, preset: tiny }
defaults:
  algorithm: { rollout_n: 4, rollout_batch_size: 4, global_batch_size: 8, lr: 2.0e-3, max_response_length: 24, save_freq: 4, val_freq: 1000, val_before_train: false }
stages:
  - { id: warmup, kind: sft, steps: 16, init_from: null, data: { val_size: 8 } }
`;

describe('ENOSPC at a metrics append (failing fs at the boundary)', function () {
  this.timeout(120000);
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 's2t-appendfail-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('fails the stage naming metrics.jsonl, keeps whole lines only, and resumes from the last checkpoint', async () => {
    writeFileSync(join(work, 'af.recipe.yaml'), RECIPE);
    const run = createRun({ recipeFile: join(work, 'af.recipe.yaml'), runId: 'r' });
    const metrics = join(run.runDir, 'stages/warmup/metrics.jsonl');
    const quiet = { write: () => undefined };
    const real = { openSync: fs.openSync, writeSync: fs.writeSync, closeSync: fs.closeSync };
    const metricFds = new Set<unknown>();
    let appends = 0;
    fs.openSync = (...a) => {
      const fd = real.openSync(...a);
      if (a[0] === metrics) metricFds.add(fd);
      return fd;
    };
    fs.closeSync = (...a) => {
      metricFds.delete(a[0]);
      return real.closeSync(...a);
    };
    fs.writeSync = (...a) => {
      if (metricFds.has(a[0]) && ++appends > 10) {
        // A full disk takes part of the line, then refuses the rest.
        real.writeSync(a[0], a[1], a[2], 7);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      }
      return real.writeSync(...a);
    };
    let outcome: string;
    try {
      outcome = await runStage({ runDir: run.runDir, stageId: 'warmup', out: new StageOutput(run.runDir, 'warmup', quiet, quiet) });
    } finally {
      Object.assign(fs, real);
    }
    assert.equal(outcome, 'failed');
    const st = readStageStatus(run.runDir, 'warmup').value!;
    assert.equal(st.state, 'failed');
    assert.match(st.error ?? '', /ENOSPC: no space left on device, write \(.*metrics\.jsonl\)/);
    const lines = readJsonl<MetricRecord>(metrics);
    assert.deepEqual(lines.bad, [], 'no torn line');
    assert.deepEqual(lines.records.map((r) => r.step), Array.from({ length: 10 }, (_, i) => i + 1), 'the ten lines written before are all there');
    const ck = latestCheckpoint(join(run.runDir, 'stages/warmup'))!;
    assert.equal(ck.step, 8);
    // Space again: the resume continues from step 8 to the end, and the run directory is whole.
    assert.equal(await runStage({ runDir: run.runDir, stageId: 'warmup', resume: true, out: new StageOutput(run.runDir, 'warmup', quiet, quiet) }), 'succeeded');
    assert.deepEqual(checkRunContract(run.runDir, { finished: true }), []);
  });
});
