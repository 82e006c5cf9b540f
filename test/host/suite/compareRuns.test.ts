// In a real VS Code: See2Think: Compare Runs opens the dashboard on two runs of two recipes (a staged and a
// merged one, written as a trainer would write them) with the paper's response-length figure shown — given
// both runs (the Runs view's two-run selection), or from a recipe's CodeLens form (its run, then one of
// another recipe picked in the quick pick). The page acknowledges drawing every point of both runs and
// reports the layout it shows.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activeApi, answerPicks, waitFor, sleep } from './util';
import { writeFinishedRun, writeRecipe } from './runFixtures';
import type { See2ThinkApi } from '../../../extension/extension';
import type { RunsCore } from '../../../extension/runs/runsServices';
import type { DashboardPanel } from '../../../extension/panels/dashboardPanel';

describe('compare runs: staged vs merged on the dashboard (real VS Code)', function () {
  this.timeout(120000);
  let core: RunsCore;
  let api: See2ThinkApi;
  let ws: string;
  let staged: string;
  let merged: string;
  const files: string[] = [];

  before(async () => {
    api = await activeApi();
    core = await api.runs!.core();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const stagedFile = join(ws, 'cmp-staged.recipe.yaml');
    const mergedFile = join(ws, 'cmp-merged.recipe.yaml');
    writeRecipe(stagedFile, 'cmp-staged', [['perception', 'perception'], ['textual', 'textual-reasoning'], ['visual', 'visual-reasoning']]);
    writeRecipe(mergedFile, 'cmp-merged', [['merged', 'merged']]);
    files.push(stagedFile, mergedFile, join(ws, 'runs', 'cmp-staged'), join(ws, 'runs', 'cmp-merged'));
    staged = writeFinishedRun({ recipeFile: stagedFile, runId: 'staged-1', stages: ['perception', 'textual', 'visual'], length: (x) => 450 + 100 * Math.exp(-x / 30) });
    merged = writeFinishedRun({ recipeFile: mergedFile, runId: 'merged-1', stages: ['merged'], length: (x) => 580 + 50 * Math.sin(x / 5) });
    await core.roots.refresh();
    core.store.addRun(staged);
    core.store.addRun(merged);
  });

  after(async () => {
    api.panels?.dashboard?.dispose();
    for (const f of files) rmSync(f, { recursive: true, force: true });
    await core.roots.refresh();
  });

  /** The dashboard shows exactly these runs, its page drew all their points and shows the paper's figure. */
  async function assertPaperFigure(dash: DashboardPanel, runs: string[]): Promise<void> {
    assert.deepEqual([...dash.runs], runs);
    assert.equal(dash.panel.title, `Dashboard: ${runs.map((d) => core.store.get(d)!.runId).join(' vs ')}`);
    await Promise.race([dash.initialized, sleep(60000).then(() => { throw new Error('dashboard page never said ready'); })]);
    for (const run of runs) {
      const n = core.store.points(run).length;
      assert.ok(n >= 30, `${run}: ${n} points in the store`);
      await waitFor(() => (dash.stats.drawn?.counts[run] ?? 0) === n, 30000, `page drew ${JSON.stringify(dash.stats.drawn?.counts)} of ${n} for ${run}`);
    }
    assert.ok((dash.stats.posted['dashboard/layout'] ?? 0) >= 1, 'the layout was sent');
    await waitFor(() => dash.pageLayout === 'paper', 10000, `the page reports layout ${dash.pageLayout}`);
  }

  it('with two runs given (the Runs view selection): both overlaid, the response-length figure shown', async () => {
    const dash = await vscode.commands.executeCommand<DashboardPanel>('see2think.compareRuns', { type: 'run', runDir: staged }, [{ type: 'run', runDir: staged }, { type: 'run', runDir: merged }]);
    assert.ok(dash, 'the command returns the dashboard');
    await assertPaperFigure(dash, [staged, merged]);
    // The page's stage boundaries come from the run infos: the staged run's three stages at 0, 30, 60.
    assert.deepEqual(dash.runInfos().map((r) => r.stages.map((s) => `${s.id}@${s.globalOffset}`)), [['perception@0', 'textual@30', 'visual@60'], ['merged@0']]);
  });

  it('from a recipe (the CodeLens): its run, then a run of another recipe from the quick pick', async () => {
    // Back to the all-metrics layout first, so the command has to switch the page to the figure again.
    const open = api.panels!.dashboard!;
    open.showLayout('all');
    await waitFor(() => open.pageLayout === 'all', 10000, 'the page did not switch to all metrics');
    const stagedRecipe = vscode.Uri.file(join(ws, 'cmp-staged.recipe.yaml'));
    // The recipe has one run (taken without asking); the pick lists other recipes' runs first, newest first.
    const dash = await answerPicks(vscode.commands.executeCommand<DashboardPanel>('see2think.compareRuns', stagedRecipe), 'workbench.action.acceptSelectedQuickOpenItem');
    assert.ok(dash, 'compared');
    const newestOther = core.store.runs().filter((r) => r.recipeName !== 'cmp-staged').sort((a, b) => (b.created ?? '').localeCompare(a.created ?? ''))[0];
    await assertPaperFigure(dash, [staged, newestOther.dir]);
  });

  it('from the palette, a closed quick pick compares nothing and leaves the dashboard as it was', async () => {
    const before = [...api.panels!.dashboard!.runs];
    const dash = await answerPicks(vscode.commands.executeCommand<DashboardPanel>('see2think.compareRuns'), 'workbench.action.closeQuickOpen');
    assert.equal(dash, undefined);
    assert.deepEqual([...api.panels!.dashboard!.runs], before);
  });
});
