// In a real VS Code: runs whose run.json names an experiment arm and seed (as `see2think experiment` writes
// them; here written by hand) are listed in the Runs view as experiment → arm → seed runs, not under their
// recipes; Open Dashboard on the experiment overlays all its runs, each carrying its group to the page (which
// draws one mean and band per arm), and the page acknowledges drawing every seed; Compare Runs on the
// experiment opens the response-length figure on all of them.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activeApi, sleep, waitFor } from './util';
import { writeFinishedRun, writeRecipe } from './runFixtures';
import type { See2ThinkApi } from '../../../extension/extension';
import type { RunsCore } from '../../../extension/runs/runsServices';
import type { DashboardPanel } from '../../../extension/panels/dashboardPanel';
import type { RunsNode } from '../../../extension/views/runsTree';

describe('experiments: seed runs grouped in the Runs view and on the dashboard (real VS Code)', function () {
  this.timeout(120000);
  let api: See2ThinkApi;
  let core: RunsCore;
  let ws: string;
  let runsDir: string;
  const dirs: Record<string, string> = {};
  const files: string[] = [];

  before(async () => {
    api = await activeApi();
    core = await api.runs!.core();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const stagedFile = writeRecipe(join(ws, 'exp-staged.recipe.yaml'), 'exp-staged', [['perception', 'perception'], ['visual', 'visual-reasoning']]);
    const mergedFile = writeRecipe(join(ws, 'exp-merged.recipe.yaml'), 'exp-merged', [['merged', 'merged']]);
    // The experiment's runs in a folder of their own: run.json gets its group before the store first reads it.
    runsDir = mkdtempSync(join(ws, 'exp-runs-'));
    files.push(stagedFile, mergedFile, runsDir);
    for (const seed of [2, 1, 3]) {
      for (const [arm, recipeFile, stages] of [['staged', stagedFile, ['perception', 'visual']], ['merged', mergedFile, ['merged']]] as const) {
        const dir = writeFinishedRun({ recipeFile, runsDir, runId: `${arm}-s${seed}`, stages: [...stages], length: (x) => 400 + 10 * seed + x,
          group: { experiment: 'exp-host', arm, seed }, created: `2026-01-0${seed}T0${arm === 'staged' ? 0 : 1}:00:00.000Z` });
        dirs[`${arm}${seed}`] = dir;
      }
    }
    // A plain run of the same recipe: stays under its recipe.
    dirs.plain = writeFinishedRun({ recipeFile: stagedFile, runsDir, runId: 'plain', stages: ['perception', 'visual'], length: (x) => 500 - x });
    await core.roots.refresh();
    for (const d of Object.values(dirs)) core.store.addRun(d);
  });

  after(async () => {
    api.panels?.dashboard?.dispose();
    for (const f of files) rmSync(f, { recursive: true, force: true });
    await core.roots.refresh();
  });

  const tree = () => api.runsTree!;
  const label = (n: RunsNode) => {
    const l = tree().getTreeItem(n).label;
    return typeof l === 'string' ? l : l?.label;
  };

  it('lists the experiment → arms → seed runs, in seed order, and not under the recipe', async () => {
    const root = await tree().getChildren();
    const exp = root.find((n) => n.type === 'experiment' && n.experiment === 'exp-host');
    assert.ok(exp, `no experiment node among ${root.map(label).join(', ')}`);
    const item = tree().getTreeItem(exp);
    assert.equal(item.contextValue, 'see2think.experiment');
    assert.match(String(item.description), /^experiment · 2 arms, 6 runs · 6 succeeded$/);
    const arms = await tree().getChildren(exp);
    assert.deepEqual(arms.map(label), ['staged', 'merged'], 'arms in the order their first run was created');
    assert.equal(tree().getTreeItem(arms[0]).description, '3 seeds · 3 succeeded');
    const seeds = await tree().getChildren(arms[0]);
    assert.deepEqual(seeds.map(label), ['seed 1', 'seed 2', 'seed 3']);
    assert.deepEqual(seeds.map((n) => (n as { runDir: string }).runDir), [dirs.staged1, dirs.staged2, dirs.staged3]);
    assert.match(String(tree().getTreeItem(seeds[0]).description), /succeeded · staged-s1$/);
    // Under the recipe (or "Other runs"): the plain run only.
    const owners = root.filter((n) => n.type === 'recipe' || n.type === 'other');
    const listed = (await Promise.all(owners.map((n) => tree().getChildren(n)))).flat().map((n) => (n as { runDir?: string }).runDir);
    assert.ok(listed.includes(dirs.plain), 'the plain run is listed');
    for (const [k, d] of Object.entries(dirs)) if (k !== 'plain') assert.ok(!listed.includes(d), `${k} is not listed outside its experiment`);
  });

  it('Open Dashboard on the experiment overlays all its runs grouped; the page draws every seed', async () => {
    const exp = (await tree().getChildren()).find((n) => n.type === 'experiment' && n.experiment === 'exp-host')!;
    const dash = await vscode.commands.executeCommand<DashboardPanel>('see2think.openDashboard', exp, [exp]);
    assert.ok(dash);
    const expected = ['staged1', 'staged2', 'staged3', 'merged1', 'merged2', 'merged3'].map((k) => dirs[k]);
    assert.deepEqual([...dash.runs].sort(), [...expected].sort());
    const infos = dash.runInfos();
    assert.deepEqual(infos.map((r) => r.group && `${r.group.arm}:${r.group.seed}`).sort(), ['merged:1', 'merged:2', 'merged:3', 'staged:1', 'staged:2', 'staged:3']);
    await Promise.race([dash.initialized, sleep(60000).then(() => { throw new Error('dashboard page never said ready'); })]);
    for (const run of expected) {
      const n = core.store.points(run).length;
      await waitFor(() => (dash.stats.drawn?.counts[run] ?? 0) === n, 30000, `page drew ${JSON.stringify(dash.stats.drawn?.counts)} of ${n} for ${run}`);
    }
    assert.equal(dash.stats.rejected, 0);
  });

  it('Compare Runs on the experiment shows the response-length figure for all its runs', async () => {
    const exp = (await tree().getChildren()).find((n) => n.type === 'experiment' && n.experiment === 'exp-host')!;
    const dash = await vscode.commands.executeCommand<DashboardPanel>('see2think.compareRuns', exp, [exp]);
    assert.ok(dash);
    assert.equal(dash.runs.length, 6);
    await waitFor(() => dash.pageLayout === 'paper', 20000, `the page reports layout ${dash.pageLayout}`);
  });
});
