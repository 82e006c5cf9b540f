// `see2think run` end to end, as a user runs it (bin/see2think.js → dist/cli.js): the quick example's four
// stages as child processes, progress lines and the summary; a succeeded stage is not re-run unless forced;
// --resume skips finished stages; Ctrl-C cancels the running stage with a checkpoint and --resume finishes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJsonLoose } from '../../protocol/jsonLines';
import type { MetricRecord, StageStatus } from '../../protocol/runRecords';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'see2think.js');

function run(args: string[], o: { sigintAfter?: (out: string) => boolean } = {}): Promise<{ code: number | null; out: string; err: string; seconds: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let sent = false;
  child.stdout.on('data', (d) => {
    out += d;
    if (o.sigintAfter && !sent && o.sigintAfter(out)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.on('data', (d) => (err += d));
  return new Promise((res) => child.on('exit', (code) => res({ code, out, err, seconds: (Date.now() - t0) / 1000 })));
}

const metrics = (stageDir: string): MetricRecord[] =>
  readFileSync(join(stageDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => parseJsonLoose(l) as MetricRecord);
const status = (stageDir: string) => JSON.parse(readFileSync(join(stageDir, 'status.json'), 'utf8')) as StageStatus;

describe('see2think run (CLI, child processes)', function () {
  this.timeout(600000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 's2t-run-'));
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
      const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs examples/quick.recipe.yaml: four stages in order, each from the previous checkpoint, then the summary', async () => {
    const r = await run(['examples/quick.recipe.yaml', '--runs-dir', tmp, '--run-id', 'e2e']);
    assert.equal(r.code, 0, r.out + r.err);
    console.log(`      (quick recipe: ${r.seconds.toFixed(1)} s)`);
    const runDir = join(tmp, 'quick', 'e2e');
    const stages = ['warmup', 'perception', 'textual', 'visual'];
    for (const s of stages) assert.match(r.out, new RegExp(`\\[${s}\\] succeeded`));
    assert.match(r.out, /\[perception\] step\s+5\/5\s+reward [\d.]+ acc [\d.]+ len [\d.]+\s+val acc [\d.]+/);
    const table = r.out.slice(r.out.indexOf('stage  '));
    for (const s of stages) assert.match(table, new RegExp(`^${s}\\s+succeeded`, 'm'));
    let lastGlobal = 0;
    for (const s of stages) {
      const dir = join(runDir, 'stages', s);
      const ms = metrics(dir);
      assert.deepEqual(ms.map((m) => m.step), Array.from({ length: ms.length }, (_, i) => i), `${s} steps contiguous`);
      assert.equal(ms[0].global_step, lastGlobal, `${s} continues the global step`);
      lastGlobal = ms[ms.length - 1].global_step!;
      assert.equal(status(dir).state, 'succeeded');
      assert.ok(existsSync(join(dir, 'log.txt')));
    }
    assert.equal(JSON.parse(readFileSync(join(runDir, 'stages', 'perception', 'checkpoints', 'step-5', 'meta.json'), 'utf8')).parent, 'warmup/step-40');
    assert.match(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).backend, /^(native|wasm|cpu|tensorflow)/);

    const again = await run(['examples/quick.recipe.yaml', '--runs-dir', tmp, '--run-id', 'e2e', '--stage', 'perception']);
    assert.equal(again.code, 2);
    assert.match(again.err, /stage perception of run e2e already succeeded; pass --force/);
    const resumed = await run(['examples/quick.recipe.yaml', '--runs-dir', tmp, '--resume']);
    assert.equal(resumed.code, 0, resumed.err);
    for (const s of stages) assert.match(resumed.out, new RegExp(`\\[${s}\\] skipped: already succeeded`));
  });

  it('Ctrl-C cancels the running stage (checkpoint, status cancelled, exit 130); --resume finishes the run', async () => {
    const recipe = join(tmp, 'c.recipe.yaml');
    writeFileSync(recipe, `name: c
model: { trainer: builtin, preset: tiny, size: { d_model: 32, n_heads: 2, d_ff: 64, n_layers: 1 } }
defaults: { algorithm: { max_response_length: 32, save_freq: 50, val_freq: 50 } }
stages:
  - { id: warm, kind: sft, steps: 60, init_from: null, data: { val_size: 4 }, algorithm: { global_batch_size: 8, lr: 0.003 } }
  - { id: rl, kind: textual-reasoning, steps: 2, data: { val_size: 4 }, algorithm: { rollout_n: 2, rollout_batch_size: 2, global_batch_size: 2 } }
`);
    const r = await run([recipe, '--runs-dir', tmp, '--run-id', 'c'], { sigintAfter: (out) => /\[warm\] step\s+1\/60/.test(out) });
    assert.equal(r.code, 130, r.out + r.err);
    assert.match(r.out, /\[warm\] cancelled at step \d+ \(checkpoint checkpoints\/step-\d+\); continue with: see2think run .* --run-id c --resume/);
    const warm = join(tmp, 'c', 'c', 'stages', 'warm');
    const st = status(warm);
    assert.equal(st.state, 'cancelled');
    assert.ok(existsSync(join(warm, 'checkpoints', `step-${st.step}`, 'meta.json')));
    assert.equal(status(join(tmp, 'c', 'c', 'stages', 'rl')).state, 'pending', 'later stages do not start');
    const done = await run([recipe, '--runs-dir', tmp, '--run-id', 'c', '--resume']);
    assert.equal(done.code, 0, done.out + done.err);
    assert.match(done.out, /\[warm\] resuming/);
    assert.deepEqual(metrics(warm).map((m) => m.step), Array.from({ length: 61 }, (_, i) => i));
    assert.equal(status(join(tmp, 'c', 'c', 'stages', 'rl')).state, 'succeeded');
  });
});
