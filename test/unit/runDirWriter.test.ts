import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { StageWriter, writeJsonAtomic, writeRunMeta } from '../../core/rundir/runDirWriter';
import { JsonlTail } from '../../core/rundir/jsonlTail';
import { summarizeRun, formatRunSummary } from '../../core/rundir/runSummary';
import { appendFileSync } from 'node:fs';

describe('run directory writer', () => {
  let runDir: string;
  beforeEach(() => {
    runDir = mkdtempSync(join(tmpdir(), 's2t-run-'));
  });

  it('lays out stages/<id>/ with samples and checkpoints, and writes NaN literally', () => {
    const w = new StageWriter(runDir, 'perception');
    w.metric({ step: 1, time: 1, stage: 'perception', 'reward/overall': 0.5, 'actor/kl_loss': NaN });
    assert.ok(existsSync(join(runDir, 'stages/perception/samples')));
    assert.ok(existsSync(join(runDir, 'stages/perception/checkpoints')));
    assert.equal(readFileSync(w.path('metrics.jsonl'), 'utf8'),
      '{"step":1,"time":1,"stage":"perception","reward/overall":0.5,"actor/kl_loss":NaN}\n');
  });

  it('replaces status.json atomically and leaves no temp files', () => {
    const w = new StageWriter(runDir, 's');
    for (let i = 0; i < 20; i++) w.status({ stage: 's', state: 'running', target: 'local', updated: String(i), total_steps: 20, step: i });
    const status = JSON.parse(readFileSync(w.path('status.json'), 'utf8'));
    assert.equal(status.step, 19);
    assert.deepEqual(readdirSync(w.dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('never shows a reader half a line while another process appends concurrently', async function () {
    this.timeout(20000);
    const file = join(runDir, 'm.jsonl');
    // A child process appends 2000 large records as fast as it can while we tail the file.
    const writerSrc = `
      const { appendJsonl } = require(${JSON.stringify(require.resolve('../../core/rundir/runDirWriter'))});
      for (let i = 0; i < 2000; i++) appendJsonl(${JSON.stringify(file)}, { step: i, pad: 'x'.repeat(3000) });`;
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', writerSrc], { stdio: 'inherit' });
    const done = new Promise((r) => child.on('exit', r));
    const tail = new JsonlTail<{ step: number }>(file);
    const seen: number[] = [];
    let exited = false;
    void done.then(() => (exited = true));
    while (!exited) {
      const c = tail.read();
      assert.equal(c.bad.length, 0, `torn line seen: ${JSON.stringify(c.bad[0])}`);
      seen.push(...c.records.map((r) => r.step));
      await new Promise((r) => setTimeout(r, 1));
    }
    seen.push(...tail.read().records.map((r) => r.step));
    assert.deepEqual(seen, Array.from({ length: 2000 }, (_, i) => i));
  });

  it('summary reports per-stage status, reward, val accuracy, length and bad lines', () => {
    writeRunMeta(runDir, { id: 'r1', recipe_name: 'staged', recipe_hash: 'h', created: 'now', trainer: 'builtin', target: 'local', stages: ['warmup', 'perception'] });
    const a = new StageWriter(runDir, 'warmup');
    a.status({ stage: 'warmup', state: 'succeeded', target: 'local', updated: 'x', total_steps: 2, step: 2 });
    a.metric({ step: 1, time: 1, stage: 'warmup', 'sft/loss': 2 });
    a.metric({ step: 2, time: 2, stage: 'warmup', 'sft/loss': 1 });
    const b = new StageWriter(runDir, 'perception');
    b.status({ stage: 'perception', state: 'failed', target: 'local', updated: 'x', total_steps: 3, error: 'exit code 1' });
    b.metric({ step: 1, time: 1, stage: 'perception', 'reward/overall': 0.2, 'response_length/mean': 10 });
    appendFileSync(b.path('metrics.jsonl'), '{"step": 2, "reward/ov\n');
    b.metric({ step: 3, time: 3, stage: 'perception', 'reward/overall': 0.6, 'response_length/mean': 20, 'val/accuracy': 0.4 });
    appendFileSync(b.path('traces.jsonl'), 'garbage\n');
    const s = summarizeRun(runDir);
    assert.deepEqual(s.stages.map((x) => [x.stage, x.status, x.step, x.firstReward, x.lastReward, x.valAccuracy, x.meanResponseLength, x.badLines]), [
      ['warmup', 'succeeded', 2, undefined, undefined, undefined, undefined, 0],
      ['perception', 'failed', 3, 0.2, 0.6, 0.4, 15, 2],
    ]);
    const text = formatRunSummary(s);
    assert.match(text, /perception\s+failed\s+3\/3\s+0\.200 → 0\.600\s+0\.400\s+15\.0\s+2/);
    assert.match(text, /stages\/perception\/metrics\.jsonl:2: skipped/);
    assert.match(text, /stages\/perception\/traces\.jsonl:1: skipped/);
    assert.match(text, /perception: exit code 1/);
  });

  it('writeJsonAtomic creates missing parent folders', () => {
    const p = join(runDir, 'a/b/c.json');
    writeJsonAtomic(p, { ok: true });
    assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { ok: true });
  });
});
