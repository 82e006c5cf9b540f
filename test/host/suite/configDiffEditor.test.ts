// In a real VS Code: Show Config Differences opens VS Code's diff editor on two runs' resolved recipes (their
// frozen recipe.yaml with defaults applied, as see2think-config: documents); the dashboard on those runs gets
// the table of keys that differ, and its "diff" button (the page's message) opens the same editor — only for
// runs the dashboard shows.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activeApi, sleep, waitFor } from './util';
import { writeFinishedRun, writeRecipe } from './runFixtures';
import type { See2ThinkApi } from '../../../extension/extension';
import type { RunsCore } from '../../../extension/runs/runsServices';
import type { DashboardPanel } from '../../../extension/panels/dashboardPanel';
import { configTable } from '../../../extension/panels/runConfigs';

const diffTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
  .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.scheme === 'see2think-config');

describe('config differences between runs: diff editor and dashboard table (real VS Code)', function () {
  this.timeout(120000);
  let api: See2ThinkApi;
  let core: RunsCore;
  let a: string;
  let b: string;
  const files: string[] = [];

  before(async () => {
    api = await activeApi();
    core = await api.runs!.core();
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // A leaves kl_coef at its default (0.01); B sets 0.05 and has another stage list.
    const fa = writeRecipe(join(ws, 'cfg-a.recipe.yaml'), 'cfg-a', [['perception', 'perception'], ['visual', 'visual-reasoning']]);
    const fb = writeRecipe(join(ws, 'cfg-b.recipe.yaml'), 'cfg-b', [['perception', 'perception'], ['merged', 'merged']], 'kl_coef: 0.05');
    files.push(fa, fb, join(ws, 'runs', 'cfg-a'), join(ws, 'runs', 'cfg-b'));
    a = writeFinishedRun({ recipeFile: fa, runId: 'a1', stages: ['perception', 'visual'], length: (x) => 400 + x });
    b = writeFinishedRun({ recipeFile: fb, runId: 'b1', stages: ['perception', 'merged'], length: (x) => 500 - x });
    await core.roots.refresh();
    core.store.addRun(a);
    core.store.addRun(b);
  });

  after(async () => {
    api.panels?.dashboard?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of files) rmSync(f, { recursive: true, force: true });
    await core.roots.refresh();
  });

  it('Show Config Differences on two selected runs opens the diff editor on their resolved recipes', async () => {
    const node = (runDir: string) => ({ type: 'run', runDir });
    const uris = await vscode.commands.executeCommand<[vscode.Uri, vscode.Uri]>('see2think.showConfigDiff', node(a), [node(a), node(b)]);
    assert.ok(uris, 'the command returns the two documents');
    const tab = await waitFor(() => diffTabs()[0], 20000, 'no config diff editor opened');
    const input = tab.input as vscode.TabInputTextDiff;
    assert.equal(tab.label, 'cfg-a/a1 ↔ cfg-b/b1 (resolved recipes)');
    const [docA, docB] = await Promise.all([vscode.workspace.openTextDocument(input.original), vscode.workspace.openTextDocument(input.modified)]);
    assert.equal(docA.languageId, 'yaml');
    assert.match(docA.getText(), /^# cfg-a\/a1: the frozen recipe resolved \(defaults applied\)/);
    // Defaults written out: A never set kl_coef, its document says 0.01 for each stage; B's says 0.05.
    assert.equal(docA.getText().match(/^ {6}kl_coef: 0\.01$/gm)?.length, 2, docA.getText());
    assert.equal(docB.getText().match(/^ {6}kl_coef: 0\.05$/gm)?.length, 2);
    assert.match(docA.getText(), /^ {4}init_from: perception$/m);
    assert.match(docB.getText(), /^ {2}- id: merged$/m);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("the dashboard gets the differing keys; its diff button opens the editor, for shown runs only", async () => {
    const dash = await vscode.commands.executeCommand<DashboardPanel>('see2think.openDashboard', { type: 'run', runDir: a }, [{ type: 'run', runDir: a }, { type: 'run', runDir: b }]);
    assert.ok(dash);
    await Promise.race([dash.initialized, sleep(60000).then(() => { throw new Error('dashboard page never said ready'); })]);
    await waitFor(() => (dash.stats.posted['dashboard/config'] ?? 0) >= 1, 20000, 'no config table sent');
    const table = configTable([a, b]);
    assert.deepEqual(table.runs, [a, b]);
    const keys = table.rows.map((r) => r.key);
    for (const k of ['name', 'stages.perception.algorithm.kl_coef', 'stages.visual', 'stages.merged']) assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
    assert.deepEqual(table.rows.find((r) => r.key === 'stages.perception.algorithm.kl_coef')?.values, ['0.01', '0.05']);

    const receive = (raw: unknown) => (dash as unknown as { receive(raw: unknown): void }).receive(raw);
    // A run the dashboard does not show: ignored (the page names runs; it does not choose folders).
    receive({ method: 'dashboard/config-diff', params: { a, b: '/etc' } });
    await sleep(1500);
    assert.equal(diffTabs().length, 0, 'no editor for a run the dashboard does not show');
    receive({ method: 'dashboard/config-diff', params: { a, b } });
    const tab = await waitFor(() => diffTabs()[0], 20000, 'the page\'s diff button opened no editor');
    assert.equal(tab.label, 'cfg-a/a1 ↔ cfg-b/b1 (resolved recipes)');
    assert.equal(dash.stats.rejected, 0);
  });
});
