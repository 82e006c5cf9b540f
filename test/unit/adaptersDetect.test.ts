// Attach to Run Folder: recognising which trainer wrote a folder, from each trainer's own files.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectHere, detectRunFolders, openForeignReader } from '../../core/external/detect';

const FIX = join(__dirname, '../fixtures/external');

describe('run folder detection', () => {
  it('recognises each fixture folder and says why', () => {
    assert.deepEqual(detectHere(join(FIX, 'easyr1')), {
      kind: 'easyr1', dir: join(FIX, 'easyr1'),
      evidence: ['experiment_log.jsonl', 'experiment_config.json', 'generations.log', 'checkpoint_tracker.json'],
    });
    const trl = detectHere(join(FIX, 'trl'))!;
    assert.equal(trl.kind, 'trl');
    assert.deepEqual(trl.evidence, ['2 checkpoint-N/trainer_state.json', 'completions/']);
    const verl = detectHere(join(FIX, 'verl'))!;
    assert.equal(verl.kind, 'verl');
    assert.deepEqual(verl.kind === 'verl' && verl.paths, {
      checkpointDir: join(FIX, 'verl/ckpt'), consoleFile: join(FIX, 'verl/console.log'), logFile: join(FIX, 'verl/metrics.jsonl'),
      rolloutDir: join(FIX, 'verl/rollout'), validationDir: join(FIX, 'verl/validation'),
    });
  });

  it('finds runs below a folder without descending into a run', () => {
    const found = detectRunFolders(FIX);
    assert.deepEqual(found.map((d) => [d.kind, d.dir]), [
      ['easyr1', join(FIX, 'easyr1')], ['trl', join(FIX, 'trl')], ['verl', join(FIX, 'verl')],
    ]);
  });

  it('recognises a See2Think run folder, and nothing in an unrelated one', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-detect-'));
    try {
      mkdirSync(join(dir, 'mine/stages/a'), { recursive: true });
      writeFileSync(join(dir, 'mine/run.json'), '{}');
      mkdirSync(join(dir, 'notes'));
      writeFileSync(join(dir, 'notes/todo.txt'), 'step: not a metric line');
      assert.equal(detectHere(join(dir, 'mine'))!.kind, 'see2think');
      assert.deepEqual(detectRunFolders(join(dir, 'notes')), []);
      assert.deepEqual(detectRunFolders(join(dir, 'missing')), []);
      // EasyR1's default layout: checkpoints/<project>/<experiment>/
      cpSync(join(FIX, 'easyr1'), join(dir, 'checkpoints/easy_r1/exp1'), { recursive: true });
      assert.deepEqual(detectRunFolders(join(dir, 'checkpoints')).map((d) => d.dir), [join(dir, 'checkpoints/easy_r1/exp1')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says why a file named like EasyR1's is not an EasyR1 log, and reads EasyR1's console output", () => {
    const dir = mkdtempSync(join(tmpdir(), 's2t-detect-'));
    try {
      // Another project's experiment_log.jsonl: flat keys, none of EasyR1's nested metric groups.
      mkdirSync(join(dir, 'other'));
      writeFileSync(join(dir, 'other/experiment_log.jsonl'), '{"step": 1, "loss": 0.52, "lr": 1e-05}\n');
      const rejected: string[] = [];
      assert.deepEqual(detectRunFolders(join(dir, 'other'), 3, rejected), []);
      assert.match(rejected[0], /experiment_log\.jsonl: not an EasyR1 log \(its first record has none of EasyR1's nested metric groups: actor, critic/);
      mkdirSync(join(dir, 'console'));
      writeFileSync(join(dir, 'console/slurm-1.out'), '(Runner pid=7) Step 0\n(Runner pid=7) val:\n(Runner pid=7)   accuracy_reward: 0.482\n(Runner pid=7) Start training\n');
      const c = detectHere(join(dir, 'console'))!;
      assert.deepEqual(c, { kind: 'easyr1', dir: join(dir, 'console'), evidence: ['slurm-1.out (EasyR1 console output)'], consoleFile: join(dir, 'console/slurm-1.out') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens the matching reader', async () => {
    const d = detectHere(join(FIX, 'verl'))!;
    assert.notEqual(d.kind, 'see2think');
    if (d.kind === 'see2think') return;
    const r = openForeignReader(d, { stage: 'attached' });
    assert.equal(r.kind, 'verl');
    assert.deepEqual((await r.read()).metrics.map((m) => m.step), [0, 1, 2]);
  });
});
