// The supervisor's process handling, against a scripted stand-in for `see2think stage` (the real trainer is
// exercised by the extension-host suite): chaining, stdout records reaching the store before the file, a crash
// recorded as failed with its exit code and log, Stop reaching every process of the group, the lock refusing a
// second launch, and recovery of a stage whose trainer died while no window watched it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { processAlive } from '../../core/launch/local';
import { RunStore } from '../../extension/runs/store';
import { Supervisor, type StageEnd } from '../../extension/runs/supervisor';
import { readLock, lockPath } from '../../extension/runs/runLock';

const RECIPE = 'name: demo\nstages:\n  - id: a\n    kind: sft\n    steps: 3\n  - id: b\n    kind: perception\n    steps: 3\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// `node fake.js stage <runDir> <stageId> [--resume]`, behaviour from S2T_FAKE_<STAGE>: ok | crash | hang.
const FAKE = `
const fs = require('fs'), path = require('path'), { spawn } = require('child_process');
const [, , cmd, runDir, stage] = process.argv;
const dir = path.join(runDir, 'stages', stage);
const mode = process.env['S2T_FAKE_' + stage.toUpperCase()] || 'ok';
const now = () => new Date().toISOString();
const status = (s) => { const st = { stage, target: 'local', pid: process.pid, updated: now(), total_steps: 3, ...s };
  fs.writeFileSync(path.join(dir, 'status.json.tmp'), JSON.stringify(st)); fs.renameSync(path.join(dir, 'status.json.tmp'), path.join(dir, 'status.json'));
  console.log(JSON.stringify({ type: 'status', record: st })); };
status({ state: 'running', started: now(), step: 0 });
console.error('starting ' + stage + ' mode ' + mode);
if (mode === 'crash') { console.error('Error: boom in ' + stage); process.exit(3); }
if (mode === 'hang') {
  // A grandchild that ignores SIGTERM and says so once its handler is in place.
  spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); require("fs").writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)',
    path.join(dir, 'child.pid')], { stdio: 'ignore' });
  process.on('SIGTERM', () => { status({ state: 'cancelled', step: 1 }); process.exit(143); });
  setInterval(() => {}, 1000);
  return;
}
let step = 0;
const tick = () => {
  step++;
  const rec = { step, time: Date.now() / 1000, stage, 'reward/overall': step / 10 };
  console.log(JSON.stringify({ type: 'metric', record: rec }));
  setTimeout(() => fs.appendFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify(rec) + '\\n'), 30);
  if (step < 3) setTimeout(tick, 60);
  else setTimeout(() => { status({ state: 'succeeded', step: 3, ended: now() }); process.exit(0); }, 80);
};
tick();
`;

describe('supervisor (with a scripted stand-in trainer)', function () {
  this.timeout(20000);
  let dir: string;
  let store: RunStore;
  let sup: Supervisor;
  let logs: string[];
  let output: string[];
  const make = (env: Record<string, string> = {}) => {
    sup = new Supervisor({
      store, cliJs: join(dir, 'fake.js'), env, graceMs: 800, logPollMs: 50,
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
      output: (_r, s, l) => output.push(`${s}: ${l}`),
    });
    return sup;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-sup-'));
    writeFileSync(join(dir, 'demo.recipe.yaml'), RECIPE);
    writeFileSync(join(dir, 'fake.js'), FAKE);
    store = new RunStore({ pollMs: 100, flushMs: 5, warn: () => undefined });
    logs = [];
    output = [];
  });
  afterEach(() => {
    sup?.dispose();
    store.dispose();
  });

  it('chains the stages in order, streams points, copies the log and releases the lock', async () => {
    const job = await make().startRun(join(dir, 'demo.recipe.yaml'), ['a', 'b']);
    assert.ok(readLock(job.runDir), 'lock held while running');
    const r = await job.done;
    assert.equal(r.state, 'succeeded');
    assert.deepEqual(r.ends.map((e) => [e.stageId, e.state]), [['a', 'succeeded'], ['b', 'succeeded']]);
    assert.deepEqual(store.points(job.runDir).map((p) => `${p.stage}${p.step}@${p.global_step}`), ['a1@1', 'a2@2', 'a3@3', 'b1@4', 'b2@5', 'b3@6']);
    assert.ok(output.includes('a: starting a mode ok'), output.join('\n'));
    assert.equal(readLock(job.runDir), undefined, 'lock released');
  });

  it('records a crash as failed with the exit code and the log, and does not start the next stage', async () => {
    const job = await make({ S2T_FAKE_A: 'crash' }).startRun(join(dir, 'demo.recipe.yaml'), ['a', 'b']);
    const r = await job.done;
    assert.equal(r.state, 'failed');
    const end = r.ends[0];
    assert.deepEqual([end.stageId, end.state, end.exitCode], ['a', 'failed', 3]);
    assert.match(end.error ?? '', /exited with code 3/);
    assert.match(end.logTail.join('\n'), /Error: boom in a/);
    const st = JSON.parse(readFileSync(join(job.runDir, 'stages/a/status.json'), 'utf8'));
    assert.equal(st.state, 'failed');
    assert.match(st.error, /boom in a/);
    assert.equal(store.get(job.runDir)!.stages[1].status?.state, 'pending');
  });

  it('Stop reaches every process of the group (SIGKILL after the grace period for a child that ignores SIGTERM)', async () => {
    const job = await make({ S2T_FAKE_A: 'hang' }).startRun(join(dir, 'demo.recipe.yaml'), ['a', 'b']);
    const childPidFile = join(job.runDir, 'stages/a/child.pid');
    let child = 0;
    for (let i = 0; i < 100 && !child; i++) {
      await sleep(50);
      try { child = Number(readFileSync(childPidFile, 'utf8')); } catch { /* not yet */ }
    }
    const trainer = Number(job.handle!.id);
    assert.ok(processAlive(trainer) && processAlive(child));
    const t0 = Date.now();
    assert.equal(await sup.stop(job.runDir), true);
    assert.ok(Date.now() - t0 >= 700, 'waited the grace period for the SIGTERM-proof grandchild, then killed it');
    const r = await job.done;
    assert.equal(r.state, 'cancelled');
    assert.equal(processAlive(trainer), false, 'trainer gone');
    for (let i = 0; i < 40 && processAlive(child); i++) await sleep(50); // SIGKILL is delivered asynchronously
    assert.equal(processAlive(child), false, 'grandchild gone');
    assert.equal(store.get(job.runDir)!.stages[0].status?.state, 'cancelled');
  });

  it('refuses a second launch into a run that is being written', async () => {
    const job = await make({ S2T_FAKE_A: 'hang' }).startRun(join(dir, 'demo.recipe.yaml'), ['a']);
    await assert.rejects(sup.runStages(job.runDir, ['b']), /already running in this window/);
    const other = new Supervisor({ store, cliJs: join(dir, 'fake.js'), log: { info() {}, warn() {}, error() {} } });
    // Another window sees our lock (same pid here, so it reports "this window"): either way, refused.
    await assert.rejects(other.runStages(job.runDir, ['b']), /cannot start/);
    await sup.stop(job.runDir);
  });

  it('on recovery, records a stage whose trainer died unwatched as failed with what it wrote', async () => {
    const run = createRun({ recipeFile: join(dir, 'demo.recipe.yaml'), runId: 'r1' });
    const w = new StageWriter(run.runDir, 'a');
    writeFileSync(join(w.dir, 'log.txt'), 'step 1\nRangeError: out of memory\n');
    w.status({ stage: 'a', state: 'running', target: 'local', pid: 2 ** 22 + 17, updated: new Date().toISOString(), total_steps: 3 });
    writeFileSync(lockPath(run.runDir), JSON.stringify({ hostPid: 2 ** 22 + 19, host: require('node:os').hostname(), plan: ['a', 'b'], since: '' }));
    store.addRun(run.runDir);
    const ends: StageEnd[] = [];
    make().onStageEnd((e) => ends.push(e));
    const r = await sup.recover();
    assert.deepEqual(r, { attached: [], asked: [], failed: [`${run.runDir}#a`], elsewhere: [] });
    const st = JSON.parse(readFileSync(join(w.dir, 'status.json'), 'utf8'));
    assert.equal(st.state, 'failed');
    assert.match(st.error, /no longer running, and it did not record how the stage ended/);
    assert.match(st.error, /RangeError: out of memory/);
    assert.equal(readLock(run.runDir), undefined, 'stale lock removed');
    assert.equal(ends[0].state, 'failed');
  });

  it('on recovery, asks before continuing a chain left in a lock between two stages, and continues on yes only', async () => {
    const chain = (id: string) => {
      const run = createRun({ recipeFile: join(dir, 'demo.recipe.yaml'), runId: id });
      new StageWriter(run.runDir, 'a').status({ stage: 'a', state: 'succeeded', target: 'local', updated: new Date().toISOString(), total_steps: 3 });
      writeFileSync(lockPath(run.runDir), JSON.stringify({ hostPid: 2 ** 22 + 19, host: require('node:os').hostname(), plan: ['a', 'b'], since: '' }));
      store.addRun(run.runDir);
      return run.runDir;
    };
    // No one to ask (the lock came with the workspace, say): nothing is launched, the stale lock goes.
    const quiet = chain('r2');
    assert.deepEqual(await make().recover(), { attached: [], asked: [], failed: [], elsewhere: [] });
    assert.equal(sup.job(quiet), undefined);
    assert.equal(readLock(quiet), undefined);
    sup.dispose();
    // Asked: "no" launches nothing; "yes" continues with the stages left.
    const no = chain('r3');
    const yes = chain('r4');
    const questions: string[] = [];
    sup = new Supervisor({
      store, cliJs: join(dir, 'fake.js'), graceMs: 800, logPollMs: 50, log: { info() {}, warn() {}, error() {} },
      confirmContinue: async (runDir, stages) => {
        questions.push(`${runDir}: ${stages.join(',')}`);
        return runDir === yes;
      },
    });
    const r = await sup.recover();
    assert.deepEqual(r.asked.sort(), [no, yes].sort());
    for (let i = 0; i < 100 && !sup.job(yes); i++) await sleep(20);
    assert.deepEqual(questions.sort(), [`${no}: b`, `${yes}: b`].sort());
    const res = await sup.job(yes)!.done;
    assert.deepEqual(res.ends.map((e) => [e.stageId, e.state]), [['b', 'succeeded']]);
    assert.equal(sup.job(no), undefined);
    assert.equal(store.get(no)!.stages[1].status?.state, 'pending', 'nothing ran in the run the user declined');
    assert.equal(readLock(no), undefined);
  });
});
