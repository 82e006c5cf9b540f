// Attach to Run Folder, headless: a foreign EasyR1 folder becomes a run directory of ours that the extension's
// run reader shows like any other (status, metrics, checkpoints), kept current while the folder grows; a
// finished run turns succeeded, a stalled one is reported as stopped; the foreign folder is never written.
import { strict as assert } from 'node:assert';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectHere } from '../../core/external/detect';
import { AttachedRun, attachedFolderOf, type ForeignFolder } from '../../core/external/attachRun';
import { readJsonl } from '../../core/rundir/jsonlTail';
import { readStageStatus } from '../../core/rundir/runDirReader';
import { openRun } from '../../core/rundir/runDir';
import { RunReader, noEffects } from '../../extension/runs/runReader';
import { attachCommand } from '../../cli/cliAttach';

const FIX = join(__dirname, '../fixtures/external');

describe('attach to a run folder', () => {
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 's2t-attach-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('mirrors an EasyR1 folder into a run directory the runs view reads, live', async () => {
    const foreign = join(work, 'easyr1');
    cpSync(join(FIX, 'easyr1'), foreign, { recursive: true });
    const before = readdirSync(foreign).map((n) => [n, statSync(join(foreign, n)).mtimeMs]);
    const d = detectHere(foreign) as ForeignFolder;
    const run = new AttachedRun(d, { into: join(work, 'runs') });
    assert.equal(await run.poll(), 'running');
    assert.equal(openRun(run.runDir).recipe.stages[0].id, 'attached');
    const status = readStageStatus(run.runDir, 'attached').value!;
    assert.deepEqual([status.state, status.step, status.total_steps, status.last_checkpoint], ['running', 2, 3, 'checkpoints/step-2']);
    assert.deepEqual(readJsonl<{ step: number }>(join(run.stageDir, 'metrics.jsonl')).records.map((m) => m.step), [0, 1, 2]);
    assert.deepEqual(readdirSync(join(run.runDir, 'evals')).sort(), ['attached-step-0.jsonl', 'attached-step-2.jsonl']);
    assert.equal(attachedFolderOf(run.runDir), foreign);

    const reader = new RunReader(run.runDir);
    reader.refresh(noEffects(), undefined, true);
    assert.equal(reader.snap.error, undefined);
    assert.equal(reader.snap.recipeName, 'attached-easyr1');
    assert.deepEqual(reader.snap.stages.map((s) => [s.id, s.status?.state, s.checkpoints.map((c) => c.step), s.totalSteps]), [['attached', 'running', [2], 3]], 'the planned count from experiment_config.json trainer.max_steps');
    assert.equal(reader.points().length > 0, true);

    // The foreign run goes on: the torn step-3 line completes, and it is the last step.
    appendFileSync(join(foreign, 'experiment_log.jsonl'), ', "accuracy": 0.5}}\n');
    assert.equal(await run.poll(), 'succeeded');
    assert.equal(readStageStatus(run.runDir, 'attached').value!.step, 3);
    assert.deepEqual(readdirSync(foreign).map((n) => [n, statSync(join(foreign, n)).mtimeMs]).filter(([n]) => n !== 'experiment_log.jsonl'), before.filter(([n]) => n !== 'experiment_log.jsonl'), 'nothing written into the foreign folder');
  });

  it('reports a run that stopped changing before its last step', async () => {
    const foreign = join(work, 'trl');
    cpSync(join(FIX, 'trl'), foreign, { recursive: true });
    writeFileSync(join(foreign, 'checkpoint-4/trainer_state.json'), readFileSync(join(FIX, 'trl/checkpoint-4/trainer_state.json'), 'utf8').replace('"max_steps": 4', '"max_steps": 10'));
    let now = Date.now();
    const run = new AttachedRun(detectHere(foreign) as ForeignFolder, { into: join(work, 'runs'), idleMs: 60000, now: () => now });
    assert.equal(await run.poll(), 'running');
    now += 120000;
    assert.equal(await run.poll(), 'failed');
    assert.match(readStageStatus(run.runDir, 'attached').value!.error!, /no new output for 1 min at step 4 of 10: stopped or crashed\?/);
  });

  it('verl: running while it writes, then unknown without a planned count, failed before the count its console gave', async () => {
    const foreign = join(work, 'v');
    cpSync(join(FIX, 'verl'), foreign, { recursive: true });
    rmSync(join(foreign, 'console.log'));
    let now = Date.now();
    const run = new AttachedRun(detectHere(foreign) as ForeignFolder, { into: join(work, 'runs'), idleMs: 60000, now: () => now });
    assert.equal(await run.poll(), 'running');
    assert.deepEqual([readStageStatus(run.runDir, 'attached').value!.step, readStageStatus(run.runDir, 'attached').value!.total_steps], [2, 0], 'no planned count: 0, shown as "?"');
    now += 120000;
    assert.equal(await run.poll(), 'unknown', 'never "succeeded 2/1"');
    assert.match(readStageStatus(run.runDir, 'attached').value!.error!, /does not say how many steps it planned, so it may have finished or stopped \(verl prints "Total training steps: N"/);
    // The console output names the plan: a run that stopped before it failed.
    writeFileSync(join(foreign, 'console.log'), '(TaskRunner pid=9) Total training steps: 40\n');
    const withConsole = new AttachedRun(detectHere(foreign) as ForeignFolder, { into: join(work, 'runs2'), idleMs: 60000, now: () => now });
    assert.equal(await withConsole.poll(), 'failed');
    assert.match(readStageStatus(withConsole.runDir, 'attached').value!.error!, /at step 2 of 40/);
  });

  it('see2think attach --once, and what it says about folders it cannot attach', async () => {
    const lines: string[] = [];
    cpSync(join(FIX, 'verl'), join(work, 'v'), { recursive: true });
    assert.equal(await attachCommand([join(work, 'v'), '--into', join(work, 'runs'), '--once'], (l) => lines.push(l)), 0);
    assert.match(lines[0], /^attached verl run at .*\/v \(.*metrics\.jsonl \(verl file logger\).*\) → .*runs\/attached-verl\/v-[0-9a-f]{8}$/);
    lines.length = 0;
    assert.equal(await attachCommand([FIX, '--once'], (l) => lines.push(l)), 2);
    assert.match(lines.join('\n'), /holds 3 runs; attach one of them/);
    lines.length = 0;
    assert.equal(await attachCommand([join(work, 'runs', 'nothing-here'), '--once'], (l) => lines.push(l)), 1);
    assert.match(lines[0], /no EasyR1, verl or TRL run found here/);
    lines.length = 0;
    assert.equal(await attachCommand([join(__dirname, '../fixtures/upstream-logs/easyr1-not-easyr1'), '--once'], (l) => lines.push(l)), 1);
    assert.match(lines.join('\n'), /experiment_log\.jsonl: not an EasyR1 log \(its first record has none of EasyR1's nested metric groups/);
  });
});
