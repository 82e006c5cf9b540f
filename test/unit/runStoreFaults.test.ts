// One unreadable run (a dangling link in stages/, `checkpoints` that is a file, a folder where metrics.jsonl
// belongs, a link out of the run folder) never stops the store: the run shows what went wrong, every other run
// is still discovered and read, and nothing behind a link is read.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { RunStore } from '../../extension/runs/store';
import { runProblem } from '../../extension/views/runProblem';

const RECIPE = 'name: demo\nstages:\n  - id: a\n    kind: sft\n    steps: 3\n  - id: b\n    kind: perception\n    steps: 4\n';

describe('run store with broken run folders', () => {
  let dir: string;
  let store: RunStore;
  let warnings: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-storefault-'));
    writeFileSync(join(dir, 'demo.recipe.yaml'), RECIPE);
    warnings = [];
  });
  afterEach(() => {
    store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = (id: string) => {
    const r = createRun({ recipeFile: join(dir, 'demo.recipe.yaml'), runId: id });
    new StageWriter(r.runDir, 'a').metric({ step: 1, time: 1, stage: 'a', 'reward/overall': 0.5 });
    return r.runDir;
  };

  it('reads every other run and shows each broken one with its error', () => {
    const dangling = run('1-dangling');
    symlinkSync(join(dir, 'nowhere'), join(dangling, 'stages', 'ghost'));
    const ckFile = run('2-ckfile');
    new StageWriter(ckFile, 'a').status({ stage: 'a', state: 'running', target: 'local', updated: 'x', total_steps: 3 });
    rmSync(join(ckFile, 'stages/a/checkpoints'), { recursive: true });
    writeFileSync(join(ckFile, 'stages/a/checkpoints'), 'not a folder');
    const metricsDir = run('3-metricsdir');
    rmSync(join(metricsDir, 'stages/b/metrics.jsonl'), { force: true });
    mkdirSync(join(metricsDir, 'stages/b/metrics.jsonl'));
    const linked = run('4-linked');
    const secret = join(dir, 'secret.jsonl');
    writeFileSync(secret, '{"step":1,"time":1,"stage":"b","reward/overall":0.99}\n');
    symlinkSync(secret, join(linked, 'stages/b/metrics.jsonl'));
    const good = run('5-good');

    store = new RunStore({ pollMs: 60000, warn: (m) => warnings.push(m) });
    store.addRoot(join(dir, 'runs', 'demo'));
    assert.deepEqual(store.runs().map((r) => r.runId).sort(), ['1-dangling', '2-ckfile', '3-metricsdir', '4-linked', '5-good']);
    assert.equal(store.get(good)!.stages[0].lastPoint?.step, 1, 'the good run is read');
    assert.deepEqual(store.get(dangling)!.stages.map((s) => s.id), ['a', 'b'], 'a dangling link is not a stage');
    assert.deepEqual(store.get(ckFile)!.stages[0].checkpoints, []);
    assert.match(runProblem(store.get(metricsDir)!) ?? '', /stage 'b': .*EISDIR/);
    assert.match(runProblem(store.get(linked)!) ?? '', /stage 'b': .*a symbolic link \(not followed in a run folder\)/);
    assert.equal(store.get(linked)!.stages[1].lastPoint, undefined, 'nothing behind the link was read');
    assert.ok(warnings.some((w) => w.includes('3-metricsdir') && /EISDIR/.test(w)), warnings.join('\n'));
    store.refresh(); // and again, every tick, without a throw
  });
});
