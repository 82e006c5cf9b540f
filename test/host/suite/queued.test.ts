// A SLURM stage waiting in the queue shows its job id and SLURM's pending reason in the Runs view and the status
// bar (the status.json fields the SLURM launcher writes while squeue says PENDING; the launcher itself is tested
// against a real SLURM in test/slurm/).
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, waitFor } from './util';
import type { See2ThinkApi } from '../../../extension/extension';
import { createRun } from '../../../core/rundir/runDir';
import { StageWriter } from '../../../core/rundir/runDirWriter';

describe('queued SLURM stages', () => {
  let runDir: string;
  after(() => rmSync(runDir, { recursive: true, force: true }));

  it('show "queued as job N: reason" in the Runs view and the status bar', async () => {
    const api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as See2ThinkApi;
    const [recipe] = await vscode.workspace.findFiles('**/queued.recipe.yaml');
    runDir = createRun({ recipeFile: recipe.fsPath, runId: 'q1', target: 'slurm' }).runDir;
    new StageWriter(runDir, 'warmup').status({
      stage: 'warmup', state: 'pending', target: 'slurm', job_id: '42', total_steps: 2, updated: new Date().toISOString(),
      pending_reason: 'Resources: the nodes are busy; it starts when they free up',
    });
    const tree = api.runsTree!;
    const runNode = await waitFor(async () => {
      const recipes = await tree.getChildren();
      const r = recipes.find((n) => n.type === 'recipe' && n.root.name === 'queued');
      return r && (await tree.getChildren(r)).find((n) => n.type === 'run' && n.runDir === runDir);
    }, 20000, 'the queued run never showed in the Runs view');
    await waitFor(() => /queued as job 42/.test(String(tree.getTreeItem(runNode).description)), 10000, 'run not shown as queued');
    assert.equal(tree.getTreeItem(runNode).description, 'warmup queued as job 42: Resources: the nodes are busy; it starts when they free up');
    assert.equal((tree.getTreeItem(runNode).iconPath as vscode.ThemeIcon).id, 'clock');
    const [stage] = await tree.getChildren(runNode);
    assert.match(String(tree.getTreeItem(stage).description), /^sft · queued as job 42: Resources/);
    api.statusBar!.update();
    assert.equal(api.statusBar!.showing, runDir);
    assert.match(api.statusBar!.item.text, /^\$\(clock\) warmup queued as job 42: Resources/);
  });
});
