// The runs feature's working parts, created once per window and loaded lazily (after activation) because they
// pull in the recipe validator and the run-directory code: the store, the recipe roots and the supervisor.
import * as vscode from 'vscode';
import { RunStore } from './store';
import { Supervisor } from './supervisor';
import { RecipeRoots } from './discovery';
import { isInside } from '../../core/rundir/runDir';
import { AlertTracker, type CachedAlerts } from '../alerts/alertTracker';

export interface RunsCoreOptions {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  trainerLog: vscode.LogOutputChannel;
  /** Where evaluated runs' alerts are kept between windows. */
  workspaceState?: vscode.Memento;
}

export class RunsCore implements vscode.Disposable {
  readonly store: RunStore;
  readonly supervisor: Supervisor;
  readonly roots: RecipeRoots;
  readonly alerts: AlertTracker;
  /** Resolves once the first discovery and the re-attach/recovery pass are done. */
  readonly ready: Promise<void>;

  constructor(readonly o: RunsCoreOptions) {
    this.store = new RunStore({
      warn: (m) => o.log.warn(m),
      allowRun: (dir) => vscode.workspace.isTrusted || (vscode.workspace.workspaceFolders ?? []).some((f) => isInside(dir, f.uri.fsPath)),
    });
    this.roots = new RecipeRoots(this.store, o.log);
    const memo = o.workspaceState;
    this.alerts = new AlertTracker(this.store, memo && {
      get: (run) => memo.get<CachedAlerts>(`see2think.alerts:${run}`),
      set: (run, v) => void memo.update(`see2think.alerts:${run}`, v),
    });
    this.supervisor = new Supervisor({
      store: this.store,
      cliJs: vscode.Uri.joinPath(o.extensionUri, 'dist', 'cli.js').fsPath,
      node: process.execPath,
      // The extension host's own runtime runs the trainer: as plain Node when it is Electron.
      env: { ELECTRON_RUN_AS_NODE: '1' },
      log: o.log,
      output: (runDir, stageId, line) => this.trainerLine(runDir, stageId, line),
      canLaunch: () => vscode.workspace.isTrusted,
      confirmContinue: (runDir, stages) => this.confirmContinue(runDir, stages),
    });
    this.ready = this.start();
  }

  private async start(): Promise<void> {
    await this.roots.refresh();
    const r = await this.supervisor.recover();
    if (r.attached.length) this.o.log.info(`re-attached to ${r.attached.length} running stage(s): ${r.attached.join(', ')}`);
    if (r.asked.length) this.o.log.info(`asking before continuing the stage chain of ${r.asked.join(', ')} (left in its lock between two stages)`);
    if (r.failed.length) this.o.log.warn(`${r.failed.length} stage(s) had died while no window watched them: ${r.failed.join(', ')}`);
    if (r.elsewhere.length) this.o.log.info(`running on another host (left to it): ${r.elsewhere.join(', ')}`);
  }

  /** A chain found half-done in a lock (its window closed between stages, or the lock came with the workspace). */
  private async confirmContinue(runDir: string, stages: string[]): Promise<boolean> {
    const snap = this.store.get(runDir);
    const name = snap ? `${snap.recipeName}/${snap.runId}` : runDir;
    const a = await vscode.window.showWarningMessage(
      `See2Think: run ${name} was left between two stages. Continue it with ${stages.map((s) => `'${s}'`).join(' → ')}? (This launches its trainer.)`,
      'Continue Run', 'Not Now',
    );
    return a === 'Continue Run';
  }

  private trainerLine(runDir: string, stageId: string, line: string): void {
    if (this.disposed) return;
    const snap = this.store.get(runDir);
    const text = `[${snap ? `${snap.recipeName}/${snap.runId}` : runDir} ${stageId}] ${line}`;
    if (/^\[?(error|fatal)\b|\b(Error|Exception):/i.test(line)) this.o.trainerLog.error(text);
    else if (/^\[?warn/i.test(line)) this.o.trainerLog.warn(text);
    else this.o.trainerLog.info(text);
  }

  private disposed = false;

  dispose(): void {
    this.disposed = true;
    this.supervisor.dispose();
    this.alerts.dispose();
    this.roots.dispose();
    this.store.dispose();
  }
}
