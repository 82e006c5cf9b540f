// A real window reload in the middle of a run: the first extension host starts a long stage and reloads the
// window; the new extension host (this suite again, after the reload) must re-attach to the trainer that kept
// running, lose no metric, settle the stage when it ends, and start the next stage of the chain itself; the
// dashboard open before the reload comes back (serializer) showing the same run.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { activeApi, waitFor } from './util';
import type { See2ThinkApi } from '../../../extension/extension';

const marker = process.env.EXT_TEST_LOG ? join(dirname(process.env.EXT_TEST_LOG), 'reload-phase.json') : '';
const TITLE = 'window reload mid-run';

interface Phase1 {
  grep: string;
  runDir: string;
  pid: number;
  hostPid: number;
  pointsBefore: number;
}

describe(TITLE, function () {
  this.timeout(600000);

  async function api(): Promise<See2ThinkApi> {
    return activeApi(60000);
  }

  if (!marker || !existsSync(marker)) {
    it('starts a long stage, then reloads the window', async () => {
      assert.ok(marker, 'EXT_TEST_LOG names the folder for the reload marker');
      const a = await api();
      const core = await a.runs!.core();
      const [uri] = await vscode.workspace.findFiles('**/reload.recipe.yaml');
      const runDir = (await vscode.commands.executeCommand<string>('see2think.runAll', uri))!;
      const job = core.supervisor.job(runDir)!;
      await waitFor(() => core.store.points(runDir).length >= 3, 180000, 'no points before the reload');
      const dash = (await vscode.commands.executeCommand<{ initialized: Promise<void> }>('see2think.openDashboard', runDir))!;
      await dash.initialized;
      // The dashboard remembers its runs in workspaceState, which VS Code writes to storage after a short delay
      // (in the browser workbench, a write still pending when the window unloads is lost): let it land.
      await new Promise((r) => setTimeout(r, 1500));
      const phase: Phase1 = { grep: TITLE, runDir, pid: Number(job.handle!.id), hostPid: process.pid, pointsBefore: core.store.points(runDir).length };
      writeFileSync(marker, JSON.stringify(phase));
      // The command's promise is cancelled as the window goes (not a failure); this extension host ends with
      // the window and the suite continues in the next one.
      void vscode.commands.executeCommand('workbench.action.reloadWindow').then(undefined, () => undefined);
      await new Promise(() => undefined);
    });
  } else {
    it('re-attaches to the running trainer after the reload, loses nothing, and continues the chain', async () => {
      const phase = JSON.parse(readFileSync(marker, 'utf8')) as Phase1;
      assert.notEqual(process.pid, phase.hostPid, 'this is a new extension host');
      const a = await api();
      const core = await a.runs!.core();
      const job = core.supervisor.job(phase.runDir);
      assert.ok(job, `the new window drives the run again (log: ${a.runs!.log.name})`);
      assert.equal(job.attached, true, 're-attached, not restarted');
      assert.equal(Number(job.handle?.id), phase.pid, 'to the same trainer process');
      assert.ok(core.store.points(phase.runDir).length >= phase.pointsBefore, 'the points written before the reload are there');
      // VS Code hands the dashboard back through its serializer; it shows the same run and its page draws it.
      const dash = await waitFor(() => a.panels!.dashboard, 60000, 'the dashboard was not restored after the reload');
      assert.deepEqual(dash.runs, [phase.runDir]);
      await waitFor(() => (dash.stats.drawn?.counts[phase.runDir] ?? 0) >= phase.pointsBefore, 60000, 'the restored dashboard drew nothing');
      const r = await job.done;
      assert.deepEqual(r.ends.map((e) => `${e.stageId}:${e.state}`), ['first:succeeded', 'second:succeeded'], JSON.stringify(r.ends));
      const st = (id: string) => JSON.parse(readFileSync(join(phase.runDir, 'stages', id, 'status.json'), 'utf8'));
      assert.equal(st('first').pid, phase.pid);
      assert.ok(st('second').started >= st('first').ended, 'the next stage started after the re-attached one ended');
      const steps = core.store.points(phase.runDir).filter((p) => p.stage === 'first').map((p) => p.step);
      assert.deepEqual(steps, steps.map((_, i) => i + 1), 'every step of the first stage, once');
    });
  }
});
