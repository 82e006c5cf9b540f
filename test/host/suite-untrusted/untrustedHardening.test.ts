// Restricted Mode with a hostile workspace: Stop is refused even for a stage whose trainer passes every check
// (it would signal a pid a run folder names), and nothing outside the workspace is read — not a recipe's
// runs_dir that points out of it, not a run folder that is a link out of it.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from '../suite/util';
import type { See2ThinkApi } from '../../../extension/extension';
import { guardSignals } from '../../signalGuard';

const RECIPE = (name: string, runsDir: string) => `name: ${name}\nruns_dir: ${runsDir}\nstages:\n  - { id: a, kind: sft, steps: 3 }\n`;

function makeRun(dir: string, name: string, a: Record<string, unknown>): void {
  mkdirSync(join(dir, 'stages', 'a'), { recursive: true });
  writeFileSync(join(dir, 'recipe.yaml'), RECIPE(name, 'runs'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'r', recipe_name: name, recipe_hash: 'x', created: '', trainer: 'builtin', target: 'local', stages: ['a'] }));
  writeFileSync(join(dir, 'stages/a/status.json'), JSON.stringify({ stage: 'a', target: 'local', total_steps: 3, updated: '', ...a }));
}

describe('untrusted workspace: hostile run folders', function () {
  this.timeout(120000);

  it('refuses Stop, and reads nothing outside the workspace', async () => {
    const ext = vscode.extensions.getExtension<See2ThinkApi>(EXTENSION_ID)!;
    await waitFor(() => ext.isActive, 30000, 'extension never activated');
    const core = await ext.exports.runs!.core();
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const outside = mkdtempSync(join(tmpdir(), 's2t-outside-'));
    let trainer: ChildProcess | undefined;
    const guard = guardSignals();
    const signals = guard.signals;
    try {
      // A recipe whose runs folder is outside the workspace, with a run there.
      writeFileSync(join(ws, 'escape.recipe.yaml'), RECIPE('escape', join('..', '..', '..', '..', '..', '..', '..', outside)));
      makeRun(join(outside, 'escape', 'r'), 'escape', { state: 'running', pid: 1 });
      // Inside the workspace: a run folder that links out, and a real run whose status names pid 1.
      makeRun(join(outside, 'linked-target'), 'inner', { state: 'running', pid: 1 });
      mkdirSync(join(ws, 'runs', 'inner'), { recursive: true });
      writeFileSync(join(ws, 'inner.recipe.yaml'), RECIPE('inner', 'runs'));
      symlinkSync(join(outside, 'linked-target'), join(ws, 'runs', 'inner', 'linked'));
      // A real run whose stage is running: its trainer is a live process that passes every check (its own
      // group, `stage <run> a` on its command line) — only Restricted Mode stands between Stop and a signal.
      const real = join(ws, 'runs', 'inner', 'real');
      trainer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'stage', real, 'a'], { detached: true, stdio: 'ignore' });
      await new Promise((r) => trainer!.once('spawn', r));
      makeRun(real, 'inner', { state: 'running', pid: trainer.pid, host: hostname() });
      await core.roots.refresh();
      await waitFor(() => core.store.get(join(ws, 'runs', 'inner', 'real')), 20000, 'the run inside the workspace was not discovered');
      await new Promise((r) => setTimeout(r, 500));
      const dirs = core.store.runs().map((r) => r.dir);
      assert.ok(!dirs.some((d) => d.startsWith(outside)), `read outside the workspace: ${dirs.join(', ')}`);
      assert.ok(!dirs.includes(join(ws, 'runs', 'inner', 'linked')), 'a run folder linking out is not read');
      assert.ok(!core.roots.recipes.some((r) => r.name === 'escape'), 'a runs_dir outside the workspace is not scanned');
      assert.equal(await vscode.commands.executeCommand('see2think.stopRun', real), false);
      assert.deepEqual(signals, []);
      assert.equal(trainer.exitCode, null, 'the trainer runs on');
    } finally {
      guard.restore();
      trainer?.kill('SIGKILL');
      rmSync(outside, { recursive: true, force: true });
      rmSync(join(ws, 'escape.recipe.yaml'), { force: true });
      rmSync(join(ws, 'inner.recipe.yaml'), { force: true });
      rmSync(join(ws, 'runs', 'inner'), { recursive: true, force: true });
    }
  });
});
