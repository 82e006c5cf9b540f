// A run folder is data a repository can ship: status.json naming pid 1, a foreign pid or another host, a lock
// with a plan. Stop, busy checks and recovery must signal nothing and launch nothing for such folders. Every
// signal the supervisor sends is caught at process.kill (signal 0, the liveness probe, passes), so a regression
// here fails the test instead of signalling the machine's processes.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRun } from '../../core/rundir/runDir';
import { StageWriter } from '../../core/rundir/runDirWriter';
import { processAlive } from '../../core/launch/local';
import { RunStore } from '../../extension/runs/store';
import { Supervisor } from '../../extension/runs/supervisor';
import { lockPath, readLock } from '../../extension/runs/runLock';
import { guardSignals, type SignalGuard } from '../signalGuard';

const RECIPE = 'name: demo\nstages:\n  - id: a\n    kind: sft\n    steps: 3\n  - id: b\n    kind: perception\n    steps: 3\n';

describe('supervisor with a hostile run folder', function () {
  this.timeout(20000);
  let dir: string;
  let store: RunStore;
  let sup: Supervisor;
  let signals: string[];
  let launched: string[];
  let guard: SignalGuard;
  const kids: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 's2t-hostile-'));
    writeFileSync(join(dir, 'demo.recipe.yaml'), RECIPE);
    store = new RunStore({ pollMs: 100, flushMs: 5, warn: () => undefined });
    launched = [];
    guard = guardSignals();
    signals = guard.signals;
    sup = new Supervisor({
      store, cliJs: join(dir, 'never-run.js'), graceMs: 300,
      log: { info() {}, warn() {}, error() {} },
      launcherFor: () => ({ target: 'local', start: async (l) => { launched.push(l.stageId); throw new Error('no launches in this test'); }, attach: () => undefined }),
      confirmContinue: async () => {
        launched.push('asked');
        return false;
      },
    });
  });
  afterEach(() => {
    guard.restore();
    sup.dispose();
    store.dispose();
    kids.splice(0).forEach((k) => k.kill('SIGKILL'));
  });
  const runWith = (id: string, a: Record<string, unknown>) => {
    const run = createRun({ recipeFile: join(dir, 'demo.recipe.yaml'), runId: id });
    new StageWriter(run.runDir, 'a').status({ stage: 'a', target: 'local', updated: new Date().toISOString(), total_steps: 3, state: 'running', ...a } as never);
    store.addRun(run.runDir);
    return run.runDir;
  };
  const foreign = async () => {
    const c = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    kids.push(c);
    await new Promise((r) => c.once('spawn', r));
    return c.pid!;
  };

  it('Stop signals nothing for pid 1, a foreign pid or another host, and says why', async () => {
    const other = await foreign();
    const cases = [
      [runWith('pid1', { pid: 1, host: hostname() }), /is marked running, but the recorded pid 1 is not a process id/],
      [runWith('foreign', { pid: other, host: hostname() }), new RegExp(`pid ${other} is another program now`)],
      [runWith('remote', { pid: process.pid, host: 'gpu-node-3' }), /runs on host gpu-node-3: stop it there/],
    ] as const;
    for (const [runDir, why] of cases) {
      const said: string[] = [];
      assert.equal(await sup.stop(runDir, (w) => said.push(w)), false);
      assert.match(said.join('\n'), why);
      assert.equal(JSON.parse(readFileSync(join(runDir, 'stages/a/status.json'), 'utf8')).state, 'running', 'nothing recorded either');
    }
    assert.deepEqual(signals, []);
    assert.ok(processAlive(other));
  });

  it('busy checks trust only a live trainer here; another host counts as busy', async () => {
    assert.equal(sup.busyReason(runWith('pid1', { pid: 1 })), undefined);
    assert.equal(sup.busyReason(runWith('foreign', { pid: await foreign() })), undefined);
    assert.match(sup.busyReason(runWith('remote', { pid: 4242, host: 'gpu-node-3' }))!, /running on host gpu-node-3/);
  });

  it('recovery leaves another host\'s stage running, settles pid 1 and a foreign pid as failed, signals and launches nothing', async () => {
    const other = await foreign();
    const remote = runWith('remote', { pid: 4242, host: 'gpu-node-3' });
    const pid1 = runWith('pid1', { pid: 1 });
    const reused = runWith('foreign', { pid: other });
    // A lock with a plan, as if committed with the workspace (same host name, dead pid).
    const chained = createRun({ recipeFile: join(dir, 'demo.recipe.yaml'), runId: 'chained' }).runDir;
    new StageWriter(chained, 'a').status({ stage: 'a', state: 'succeeded', target: 'local', updated: '', total_steps: 3 });
    writeFileSync(lockPath(chained), JSON.stringify({ hostPid: 1, host: hostname(), plan: ['a', 'b'], since: '' }));
    store.addRun(chained);
    const r = await sup.recover();
    assert.deepEqual(r.elsewhere, [`${remote}#a`]);
    assert.deepEqual(r.failed.sort(), [`${pid1}#a`, `${reused}#a`].sort());
    assert.deepEqual(r.attached, []);
    assert.equal(JSON.parse(readFileSync(join(remote, 'stages/a/status.json'), 'utf8')).state, 'running');
    assert.match(JSON.parse(readFileSync(join(reused, 'stages/a/status.json'), 'utf8')).error, /another program now/);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(launched, ['asked'], 'the chain in the lock is only offered, and the answer was no');
    assert.equal(readLock(chained), undefined);
    assert.deepEqual(signals, []);
    assert.ok(processAlive(other));
  });
});
