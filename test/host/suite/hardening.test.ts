// Hostile run folders in a real, trusted VS Code window: status.json naming pid 1, a foreign pid or another
// host, a lock with a plan as if committed with the repository, and a lock from a host that no longer exists.
// Every signal the extension sends while this suite runs is caught at process.kill (signal 0 passes), so a
// regression fails here instead of signalling the machine. Nothing may be signalled or launched; another
// host's stage shows as running there; the committed chain is only offered; Break Lock asks first.
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activeApi, sleep, waitFor } from './util';
import type { RunsCore } from '../../../extension/runs/runsServices';
import type { See2ThinkApi } from '../../../extension/extension';
import { guardSignals, type SignalGuard } from '../../signalGuard';

const RECIPE = 'name: hostile\nmodel: { trainer: builtin, preset: tiny }\nstages:\n  - { id: a, kind: sft, steps: 3 }\n  - { id: b, kind: perception, steps: 3 }\n';

describe('hostile run folders (trusted window)', function () {
  this.timeout(120000);
  let api: See2ThinkApi;
  let core: RunsCore;
  let ws: string;
  let signals: string[];
  let guard: SignalGuard;
  const runDir = (id: string) => join(ws, 'runs', 'hostile', id);

  /** A run folder as createRun leaves it, with stage a in the given state. */
  function makeRun(id: string, a: Record<string, unknown>, lock?: Record<string, unknown>): string {
    const dir = runDir(id);
    mkdirSync(join(dir, 'stages', 'a'), { recursive: true });
    mkdirSync(join(dir, 'stages', 'b'), { recursive: true });
    writeFileSync(join(dir, 'recipe.yaml'), RECIPE);
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ id, recipe_name: 'hostile', recipe_hash: 'x', created: new Date().toISOString(), trainer: 'builtin', target: 'local', stages: ['a', 'b'] }));
    writeFileSync(join(dir, 'stages/a/status.json'), JSON.stringify({ stage: 'a', target: 'local', total_steps: 3, updated: new Date().toISOString(), ...a }));
    writeFileSync(join(dir, 'stages/b/status.json'), JSON.stringify({ stage: 'b', target: 'local', total_steps: 3, updated: '', state: 'pending' }));
    if (lock) writeFileSync(join(dir, '.see2think.lock'), JSON.stringify({ since: '2026-01-01T00:00:00Z', ...lock }));
    return dir;
  }

  before(async () => {
    api = await activeApi(60000);
    core = await api.runs!.core();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    guard = guardSignals();
    signals = guard.signals;
    writeFileSync(join(ws, 'hostile.recipe.yaml'), RECIPE);
    makeRun('pid1', { state: 'running', pid: 1, host: hostname() });
    makeRun('foreign', { state: 'running', pid: process.ppid, host: hostname() });
    makeRun('remote', { state: 'running', pid: 4242, host: 'gpu-node-3' });
    makeRun('committed', { state: 'succeeded' }, { hostPid: 1, host: hostname(), plan: ['a', 'b'] });
    makeRun('oldhost', { state: 'pending' }, { hostPid: 77, host: 'rebuilt-container-1', plan: ['a', 'b'], stage: 'a' });
    await core.roots.refresh();
    await waitFor(() => ['pid1', 'foreign', 'remote', 'committed', 'oldhost'].every((id) => core.store.get(runDir(id))), 20000, 'the runs were not discovered');
  });

  after(async () => {
    guard.restore();
    rmSync(join(ws, 'hostile.recipe.yaml'), { force: true });
    rmSync(join(ws, 'runs', 'hostile'), { recursive: true, force: true });
    await core.roots.refresh();
  });

  it('recovery signals and launches nothing: other host left running, dead/foreign pids settled, the committed chain only offered', async () => {
    const r = await core.supervisor.recover();
    assert.deepEqual(r.elsewhere, [`${runDir('remote')}#a`]);
    assert.deepEqual(r.failed.sort(), [`${runDir('foreign')}#a`, `${runDir('pid1')}#a`]);
    assert.deepEqual(r.asked, [runDir('committed')], 'the chain in the committed lock waits for the user');
    await sleep(1000);
    assert.equal(core.supervisor.jobs.length, 0, 'nothing launched');
    assert.deepEqual(signals, []);
    core.store.refresh();
    assert.equal(core.store.get(runDir('remote'))!.stages[0].status?.state, 'running');
    assert.match(core.store.get(runDir('foreign'))!.stages[0].status?.error ?? '', /another program now/);
  });

  it('Stop of a stage another host runs refuses, signals nothing; the Runs view shows it running there', async () => {
    assert.equal(await vscode.commands.executeCommand('see2think.stopRun', runDir('remote')), false);
    assert.deepEqual(signals, []);
    const tree = api.runsTree!;
    const item = tree.getTreeItem({ type: 'run', runDir: runDir('remote') });
    assert.match(String(item.description), /a running on gpu-node-3/);
    const stage = tree.getTreeItem({ type: 'stage', runDir: runDir('remote'), stageId: 'a' });
    assert.match(String(stage.description), /running on gpu-node-3/);
  });

  it('Break Lock asks first: closing the pick keeps the lock, choosing it removes it', async () => {
    const tree = api.runsTree!;
    assert.match(String(tree.getTreeItem({ type: 'run', runDir: runDir('oldhost') }).contextValue), /\.locked/);
    const lock = join(runDir('oldhost'), '.see2think.lock');
    const kept = await answer(vscode.commands.executeCommand<boolean>('see2think.breakLock', runDir('oldhost')), ['workbench.action.closeQuickOpen']);
    assert.equal(kept, false);
    assert.ok(existsSync(lock), 'closing the confirmation keeps the lock');
    const broke = await answer(vscode.commands.executeCommand<boolean>('see2think.breakLock', runDir('oldhost')), ['workbench.action.quickOpenSelectNext', 'workbench.action.acceptSelectedQuickOpenItem']);
    assert.equal(broke, true);
    assert.ok(!existsSync(lock));
    assert.doesNotMatch(String(tree.getTreeItem({ type: 'run', runDir: runDir('oldhost') }).contextValue), /\.locked/);
  });

  /** Runs `actions` against the open quick pick until the command returns. */
  async function answer<T>(pending: Thenable<T>, actions: string[]): Promise<T> {
    let done = false;
    const result = Promise.resolve(pending).finally(() => { done = true; });
    for (let i = 0; i < 60 && !done; i++) {
      await sleep(500);
      for (const a of actions) if (!done) await vscode.commands.executeCommand(a);
    }
    return result;
  }
});
