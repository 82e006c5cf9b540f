// Alerts on the command line with the real trainer: `see2think run` prints an alert the moment its rule trips
// (here reward_flat, set to trip on a tiny untrained model's rewards) and once, its summary lists it, and
// `see2think summary` of the finished run lists the same line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, startCli } from '../faults/faultKit';

const RECIPE = `name: alerting
model:
  trainer: builtin
  preset: tiny
alerts:
  reward_flat:
    window: 2
    margin: 0.49
  # An untrained model's answers also run into max_response_length: that rule is not what this test is about.
  truncation:
    enabled: false
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
    steps: 6
    init_from: null
    data:
      val_size: 4
`;

async function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  const c = startCli(args, { SEE2THINK_SYSTEM_INTERVAL: '0' });
  return { code: await c.exited, out: c.out() };
}

describe('alerts in see2think run and summary (CLI, real trainer)', function () {
  this.timeout(600000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 's2t-alerts-cli-'));
    ensureBuilt();
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints the alert as it fires, once, and lists it in the summary', async () => {
    const recipe = join(tmp, 'alerting.recipe.yaml');
    writeFileSync(recipe, RECIPE);
    const r = await cli(['run', recipe, '--runs-dir', tmp, '--run-id', 'a1']);
    assert.equal(r.code, 0, r.out);
    const printed = r.out.split('\n').filter((l) => l.startsWith('[rl] alert'));
    assert.deepEqual(printed, ['[rl] alert at step 2: reward flat at 0: reward/accuracy ≤ 0.49 for 2 records — every group scores alike, so GRPO has no learning signal']);
    assert.ok(r.out.indexOf(printed[0]) < r.out.indexOf('[rl] succeeded'), 'while the stage ran');
    const line = 'alert: rl step 2: reward flat at 0: reward/accuracy ≤ 0.49 for 2 records — every group scores alike, so GRPO has no learning signal';
    assert.ok(r.out.split('\n').includes(line), 'in the run\'s closing summary');
    const s = await cli(['summary', join(tmp, 'alerting', 'a1')]);
    assert.equal(s.code, 0, s.out);
    assert.ok(s.out.split('\n').includes(line), s.out);
  });
});
