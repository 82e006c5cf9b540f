// In a real VS Code with the real built-in trainer: Run All Stages runs a tiny recipe's stages in order, the
// dashboard panel receives the points and its page acknowledges drawing them, the Runs view shows recipes →
// runs → stages → checkpoints, the status bar follows the running stage; Stop ends the trainer's whole process
// group and Resume continues from its checkpoint; a stage that fails (trainer error, or killed) shows as failed
// with its message.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, activeApi, waitFor, sleep } from './util';
import type { See2ThinkApi } from '../../../extension/extension';
import type { RunsCore } from '../../../extension/runs/runsServices';
import type { RunsNode } from '../../../extension/views/runsTree';
import type { StageEnd } from '../../../extension/runs/supervisor';

async function recipe(name: string): Promise<vscode.Uri> {
  const [uri] = await vscode.workspace.findFiles(`**/${name}.recipe.yaml`);
  assert.ok(uri, `fixture ${name}.recipe.yaml in the workspace`);
  return uri;
}

/** Pids of every live process in a process group (from /proc), zombies excluded. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const metricSteps = (runDir: string, stage: string) =>
  readFileSync(join(runDir, 'stages', stage, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l.replace(/\bNaN\b|-?Infinity/g, 'null')).step as number);

describe('runs: launch, watch, stop and fail with the real trainer (real VS Code)', function () {
  this.timeout(300000);
  let api: See2ThinkApi;
  let core: RunsCore;
  const ends: StageEnd[] = [];

  before(async () => {
    api = await activeApi();
    core = await api.runs!.core();
    core.supervisor.onStageEnd((e) => ends.push(e));
  });

  it('Run All Stages runs the stages in order; the dashboard gets the points live and its page draws them', async () => {
    const uri = await recipe('tiny');
    const runDir = await vscode.commands.executeCommand<string>('see2think.runAll', uri);
    assert.ok(runDir, 'the command returns the new run folder');
    const job = core.supervisor.job(runDir)!;
    assert.ok(job, 'the supervisor drives it');
    const dashboard = await vscode.commands.executeCommand<{ stats: { postedItems: Record<string, number>; posted: Record<string, number>; drawn?: { counts: Record<string, number> } }; initialized: Promise<void> }>('see2think.openDashboard', runDir);
    assert.ok(dashboard);
    await Promise.race([dashboard.initialized, sleep(60000).then(() => { throw new Error('dashboard page never said ready'); })]);
    const result = await job.done;
    assert.equal(result.state, 'succeeded', JSON.stringify(result.ends));
    assert.deepEqual(result.ends.map((e) => `${e.stageId}:${e.state}`), ['warmup:succeeded', 'perception:succeeded', 'textual:succeeded']);
    const st = (id: string) => JSON.parse(readFileSync(join(runDir, 'stages', id, 'status.json'), 'utf8'));
    assert.ok(st('perception').started >= st('warmup').ended && st('textual').started >= st('perception').ended, 'each stage started after the one before ended');
    // Every point reached the store once, on one global-step axis, and the page acknowledged drawing all of them.
    const points = core.store.points(runDir);
    const offsets: Record<string, number> = { warmup: 0, perception: 3, textual: 6 };
    assert.deepEqual(points.map((p) => p.global_step - p.step), points.map((p) => offsets[p.stage]), 'x = global step: each stage starts where its parent ended');
    assert.ok(points.every((p, i) => i === 0 || p.global_step > points[i - 1].global_step), 'x strictly increasing');
    assert.deepEqual(['warmup', 'perception', 'textual'].map((s) => points.filter((p) => p.stage === s && p.step > 0).length), [3, 3, 3]);
    await waitFor(() => dashboard.stats.drawn?.counts[runDir] === points.length, 30000, `page drew ${JSON.stringify(dashboard.stats.drawn)} of ${points.length}`);
    assert.equal(dashboard.stats.postedItems[runDir], points.length, 'each point posted once');
    assert.ok((dashboard.stats.posted['dashboard/columns'] ?? 0) > 2, 'points arrived as live deltas, not one snapshot');
    await waitFor(() => api.statusBar!.showing === undefined, 5000, 'status bar hides when nothing runs');
  });

  it('the Runs view shows recipes → runs → stages → checkpoints with status and step/total', async () => {
    const tree = api.runsTree!;
    const runDir = core.store.runs().find((r) => r.recipeName === 'tiny')!.dir;
    const roots = await tree.getChildren();
    const recipeNode = roots.find((n) => n.type === 'recipe' && n.root.name === 'tiny')!;
    assert.ok(recipeNode, `recipes: ${roots.map((n) => tree.getTreeItem(n).label).join(', ')}`);
    const runNode = (await tree.getChildren(recipeNode)).find((n) => n.type === 'run' && n.runDir === runDir)!;
    assert.ok(runNode);
    assert.equal(tree.getTreeItem(runNode).description, 'succeeded');
    const stages = await tree.getChildren(runNode);
    const items = stages.map((n) => tree.getTreeItem(n));
    assert.deepEqual(items.map((i) => i.label), ['warmup', 'perception', 'textual']);
    assert.deepEqual(items.map((i) => (i.iconPath as vscode.ThemeIcon).id), ['pass', 'pass', 'pass']);
    assert.match(String(items[1].description), /^perception · 3\/3 · succeeded/);
    const ckpts = (await tree.getChildren(stages[0])).map((n) => tree.getTreeItem(n).label);
    assert.deepEqual(ckpts, ['step-3', 'step-2'], 'complete checkpoints, newest first');
    assert.equal((stages[0] as Extract<RunsNode, { type: 'stage' }>).stageId, 'warmup');
  });

  it('panel pages have a strict CSP and only the extension\'s dist/ and media/ as resources; invalid messages are dropped', async () => {
    const dash = api.panels!.dashboard!;
    const html = dash.panel.webview.html;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1].replace(/&#39;/g, "'") ?? '';
    assert.match(csp, /default-src 'none'/);
    const nonce = /script-src 'nonce-([A-Za-z0-9]+)'/.exec(csp)?.[1];
    assert.ok(nonce && nonce.length >= 16, csp);
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9]+';/, 'scripts only by nonce (no host source, no eval)');
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.ok(scripts.length === 1 && scripts[0].includes(`nonce="${nonce}"`), 'one script, with the nonce');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.deepEqual(dash.panel.webview.options.localResourceRoots?.map((u) => u.fsPath), [join(ext.extensionPath, 'dist'), join(ext.extensionPath, 'media')]);
    assert.equal(dash.panel.webview.options.enableCommandUris, false);
    // What a compromised page could send: hostile file names, unknown methods, non-objects (the page's real channel
    // is exercised by every other message in this suite; here the host's receive path is fed directly).
    const receive = (m: unknown) => (dash as unknown as { receive(m: unknown): void }).receive(m);
    const before = dash.stats.rejected;
    receive({ method: 'export/csv', params: { fileName: '../../.bashrc', csv: 'x' } });
    receive({ method: 'export/png', params: { fileName: 'a.png', dataUrl: 'javascript:alert(1)' } });
    receive({ method: 'run-shell', params: {} });
    receive('ready');
    assert.equal(dash.stats.rejected, before + 4);
  });

  it('a dashboard hidden and shown again reloads its page and gets every point again', async () => {
    const dash = api.panels!.dashboard!;
    const runDir = dash.runs[0];
    const n = core.store.points(runDir).length;
    const readies = dash.stats.readyCount;
    const doc = await vscode.workspace.openTextDocument(await recipe('tiny'));
    await vscode.window.showTextDocument(doc, { viewColumn: dash.panel.viewColumn, preview: false });
    await waitFor(() => !dash.panel.visible, 10000, 'dashboard still visible');
    assert.equal(dash.isReady, false, 'a hidden page is torn down (retainContextWhenHidden off): nothing is posted to it');
    const shown = Date.now();
    dash.reveal();
    await waitFor(() => dash.stats.readyCount === readies + 1, 30000, 'the page did not load again');
    await waitFor(() => (dash.stats.drawn?.receivedAt ?? 0) > shown && dash.stats.drawn?.counts[runDir] === n, 30000, `redrawn: ${JSON.stringify(dash.stats.drawn)}`);
    assert.equal(dash.stats.postedItems[runDir], n, 'the whole series was sent again (reset), once');
  });

  it('a page loading while the store holds an unsent delta gets each point once (snapshot, then only newer points)', async () => {
    const dash = api.panels!.dashboard!;
    const runDir = dash.runs[0];
    // A copy of the finished run outside the workspace, so the other tests' runs stay as they are.
    const copy = join(mkdtempSync(join(tmpdir(), 's2t-pending-')), 'run');
    cpSync(runDir, copy, { recursive: true });
    core.store.addRun(copy);
    const last = core.store.points(copy).filter((p) => p.stage === 'textual').at(-1)!;
    // The stdout copy of a new point: applied to the run at once, its delta waits for the store's flush timer.
    core.store.ingest(copy, 'textual', { type: 'metric', record: { step: last.step + 1, time: Date.now() / 1000, stage: 'textual', reward: 0.5 } });
    dash.setRuns([runDir, copy]); // sends the whole series now, while that delta is pending
    const n = core.store.points(copy).length;
    await waitFor(() => dash.stats.drawn?.counts[copy] === n, 30000, `page drew ${JSON.stringify(dash.stats.drawn)} of ${n}`);
    await sleep(300); // past any flush timer
    assert.equal(dash.stats.postedItems[copy], n, 'the pending point was not posted again after the snapshot');
    dash.setRuns([runDir]);
  });

  it('Run Stage (recipe, stage) runs one stage in a new run; Run From Stage continues that run from the next stage', async () => {
    const uri = await recipe('tiny');
    const runDir = (await vscode.commands.executeCommand<string>('see2think.runStage', uri, 'warmup'))!;
    const r1 = await core.supervisor.job(runDir)!.done;
    assert.deepEqual(r1.ends.map((e) => `${e.stageId}:${e.state}`), ['warmup:succeeded']);
    assert.deepEqual(core.store.get(runDir)!.stages.map((s) => s.status?.state), ['succeeded', 'pending', 'pending']);
    // The newest run of this recipe text with warmup done and perception not run: the same folder.
    const again = (await vscode.commands.executeCommand<string>('see2think.runFrom', uri, 'perception'))!;
    assert.equal(again, runDir);
    const r2 = await core.supervisor.job(runDir)!.done;
    assert.deepEqual(r2.ends.map((e) => `${e.stageId}:${e.state}`), ['perception:succeeded', 'textual:succeeded']);
  });

  it('Stop ends the trainer\'s whole process group; Resume continues the stage from its checkpoint', async () => {
    const runDir = (await vscode.commands.executeCommand<string>('see2think.runAll', await recipe('slow')))!;
    const job = core.supervisor.job(runDir)!;
    await waitFor(() => core.store.points(runDir).length >= 6, 180000, 'no points from the slow stage');
    // The status bar follows the running stage (checked on this stage: the tiny recipe's stages end in under a
    // second with the native kernels, faster than the store notices them running).
    const bar = await waitFor(() => api.statusBar!.showing === runDir && api.statusBar!.item.text, 60000, 'status bar never showed the run');
    assert.match(String(bar), /long \d+\/100000/);
    const pid = Number(job.handle!.id);
    assert.ok(groupMembers(pid).includes(pid), 'the trainer leads its own process group');
    assert.equal(await vscode.commands.executeCommand<boolean>('see2think.stopRun', runDir), true);
    const r = await job.done;
    assert.equal(r.state, 'cancelled');
    assert.deepEqual(groupMembers(pid), [], 'no process of the group is left');
    const snap = core.store.get(runDir)!;
    assert.deepEqual(snap.stages.map((s) => s.status?.state), ['cancelled', 'pending']);
    const ckpt = snap.stages[0].checkpoints.at(-1);
    assert.ok(ckpt, 'the trainer checkpointed on SIGTERM');
    const before = metricSteps(runDir, 'long');

    assert.equal(await vscode.commands.executeCommand<string>('see2think.resumeRun', runDir), runDir);
    const job2 = core.supervisor.job(runDir)!;
    await waitFor(() => (core.store.get(runDir)!.stages[0].lastPoint?.step ?? 0) > Math.max(...before), 180000, 'resume made no progress');
    assert.equal(await vscode.commands.executeCommand<boolean>('see2think.stopRun', runDir), true);
    await job2.done;
    const steps = metricSteps(runDir, 'long');
    assert.deepEqual(steps, steps.map((_, i) => i + 1), 'metrics continue contiguously: no step lost or repeated');
    assert.match(readFileSync(join(runDir, 'stages/long/log.txt'), 'utf8'), /resum/i);
  });

  it('a stage whose trainer fails shows as failed with its message, and the chain stops there', async () => {
    const runDir = (await vscode.commands.executeCommand<string>('see2think.runAll', await recipe('crash')))!;
    const r = await core.supervisor.job(runDir)!.done;
    assert.equal(r.state, 'failed');
    const end = ends.find((e) => e.runDir === runDir)!;
    assert.deepEqual([end.stageId, end.state, end.exitCode], ['warmup', 'failed', 1]);
    assert.match(end.error ?? '', /maxResponseLength/);
    const snap = core.store.get(runDir)!;
    assert.deepEqual(snap.stages.map((s) => s.status?.state), ['failed', 'pending']);
    const tree = api.runsTree!;
    const item = tree.getTreeItem({ type: 'stage', runDir, stageId: 'warmup' });
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String((item.tooltip as vscode.MarkdownString).value), /maxResponseLength/);
  });

  it('a trainer killed mid-stage is recorded as failed with the signal and its last log lines', async () => {
    const runDir = (await vscode.commands.executeCommand<string>('see2think.runAll', await recipe('slow')))!;
    const job = core.supervisor.job(runDir)!;
    await waitFor(() => core.store.points(runDir).length >= 2, 180000, 'no points');
    process.kill(Number(job.handle!.id), 'SIGKILL');
    const r = await job.done;
    assert.equal(r.state, 'failed');
    assert.equal(r.ends[0].signal, 'SIGKILL');
    const st = JSON.parse(readFileSync(join(runDir, 'stages/long/status.json'), 'utf8'));
    assert.equal(st.state, 'failed');
    assert.match(st.error, /killed by SIGKILL[\s\S]*last lines of log\.txt/);
  });
});
