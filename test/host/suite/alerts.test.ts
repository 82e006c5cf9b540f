// Alerts in a real VS Code with the real built-in trainer: a recipe whose reward_flat rule is set to trip on a
// tiny untrained model's rewards (all below 0.49 for 2 records) is run with Run All Stages; while it runs the
// rule fires once — one notification, however many records follow and however often the run is re-read — the
// run gets a badge in the Runs view (its file decoration) and the alert in its tooltip, and the dashboard is
// sent the alert for its marker. A finished run found later is badged, not announced.
import { strict as assert } from 'node:assert';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activeApi, waitFor } from './util';
import { ALERT_SCHEME } from '../../../extension/alerts/alertsFeature';
import type { See2ThinkApi } from '../../../extension/extension';
import type { RunsCore } from '../../../extension/runs/runsServices';
import type { RunsNode } from '../../../extension/views/runsTree';
import type { DashboardPanel } from '../../../extension/panels/dashboardPanel';

const RECIPE = `name: alerting
description: Alerts host test — a rule set to trip on an untrained model's rewards.
model:
  trainer: builtin
  preset: tiny
alerts:
  reward_flat:
    window: 2
    margin: 0.49
  # An untrained model's answers also run into max_response_length: that rule is not what this test is about.
  truncation:
    enabled: false
defaults:
  algorithm:
    rollout_n: 2
    rollout_batch_size: 2
    global_batch_size: 2
    max_response_length: 24
    save_freq: 5
    val_before_train: false
    val_freq: 1000
stages:
  - id: perception
    kind: perception
    steps: 5
    init_from: null
    data:
      val_size: 4
`;

describe('alerts: notification, Runs view badge and dashboard marker (real VS Code, real trainer)', function () {
  this.timeout(300000);
  let api: See2ThinkApi;
  let core: RunsCore;
  let ws: string;
  let runDir: string;
  const cleanup: string[] = [];

  before(async () => {
    api = await activeApi();
    core = await api.runs!.core();
    ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const file = join(ws, 'alerting.recipe.yaml');
    writeFileSync(file, RECIPE);
    cleanup.push(file, join(ws, 'runs', 'alerting'));
    await waitFor(() => core.roots.recipes.some((r) => r.name === 'alerting'), 30000, 'recipe never discovered');
  });

  after(() => {
    for (const p of cleanup) rmSync(p, { recursive: true, force: true });
  });

  it('a rule that trips while the run runs notifies once and badges the run', async () => {
    const uri = vscode.Uri.file(join(ws, 'alerting.recipe.yaml'));
    runDir = (await vscode.commands.executeCommand<string>('see2think.runAll', uri))!;
    assert.ok(runDir);
    const result = await core.supervisor.job(runDir)!.done;
    assert.equal(result.state, 'succeeded', JSON.stringify(result.ends));
    const mine = () => api.alerts!.notified.filter((n) => n.run === runDir);
    await waitFor(() => mine().length > 0, 30000, 'no notification');
    const [n, ...more] = mine();
    assert.equal(more.length, 0, `one notification: ${mine().map((m) => m.text).join(' | ')}`);
    assert.equal(n.alert.rule, 'reward_flat');
    assert.match(n.text, /^See2Think: alerting\/\S+ — perception step 2: reward flat at 0: reward\/accuracy ≤ 0\.49 for 2 records/);
    // Re-reading the run (the supervisor does at a stage's end; a refresh does it again) announces nothing new.
    core.store.refresh(runDir);
    await core.alerts.whenIdle();
    assert.equal(mine().length, 1);

    // The Runs view: the run's item carries the alert URI; its decoration is the badge, the tooltip lists it.
    const tree = api.runsTree!;
    const recipeNode = (await tree.getChildren()).find((r) => r.type === 'recipe' && r.root.name === 'alerting')!;
    const runNode = (await tree.getChildren(recipeNode)).find((r) => r.type === 'run' && r.runDir === runDir) as RunsNode;
    const item = tree.getTreeItem(runNode);
    assert.equal(item.resourceUri?.scheme, ALERT_SCHEME);
    assert.equal(item.resourceUri?.path, runDir);
    const deco = api.alerts!.decorationOf(runDir)!;
    assert.equal(deco.badge, '1');
    assert.match(String(deco.tooltip), /1 alert: perception step 2: reward flat at 0/);
    assert.match((item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' '), /\$\(warning\) perception step 2: reward flat at 0/, 'the tooltip lists it (as text)');
    assert.ok(tree.view?.badge && tree.view.badge.value >= 1, 'the view shows the alert count');
  });

  it('the dashboard is sent the run\'s alerts for its markers', async () => {
    const dash = (await vscode.commands.executeCommand<DashboardPanel>('see2think.openDashboard', runDir))!;
    await dash.initialized;
    await waitFor(() => (dash.stats.posted['dashboard/alerts'] ?? 0) > 0, 30000, 'no dashboard/alerts message');
    const x = core.alerts.alerts(runDir)[0].x;
    assert.equal(x, 2, 'at the global step of the record that tripped it');
  });

  it('a finished run found later is badged, not announced', async () => {
    const copy = join(ws, 'runs', 'alerting', 'copied-run');
    cpSync(runDir, copy, { recursive: true });
    writeFileSync(join(copy, 'run.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')), id: 'copied-run' }));
    core.store.addRun(copy);
    await core.alerts.whenIdle();
    await waitFor(() => api.alerts!.decorationOf(copy)?.badge === '1', 30000, 'the copied run was never badged');
    assert.equal(api.alerts!.notified.filter((n) => n.run === copy).length, 0);
  });
});
