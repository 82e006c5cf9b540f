// Run Stage…, Run All Stages, Run From Stage…, Stop Run and Resume Run: pick what to run (the active editor's
// recipe first), refuse in an untrusted workspace, hand the plan to the supervisor, and show progress (cancel =
// Stop) and how each stage ended (failures with their exit code and last log lines). Each returns the run
// folder it acts on, so tests and other commands can follow the run.
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runs } from '../runs/index';
import type { RunsCore } from '../runs/runsServices';
import type { RunJob, StageEnd } from '../runs/supervisor';
import type { LaunchMode } from '../runs/plan';
import { pickRecipe } from '../recipes/findRecipes';
import { recipeUriOf, runDirOf, stageIdOf } from './args';
import { pickRun, pickStage } from './pickers';

/** Launching trainers runs code from the workspace's recipes: only in a trusted workspace (docs/ARCHITECTURE.md#messages). */
export function canLaunch(what = 'launching trainers'): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(
    `See2Think: this workspace is in Restricted Mode. Runs can be viewed, but ${what} needs a trusted workspace.`,
    'Manage Workspace Trust',
  ).then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

const label = (core: RunsCore, runDir: string) => {
  const s = core.store.get(runDir);
  return s ? `${s.recipeName}/${s.runId}` : runDir;
};

async function launch(runs: Runs, mode: LaunchMode, recipeArg: unknown, stageArg?: unknown): Promise<string | undefined> {
  if (!canLaunch()) return undefined;
  const uri = await pickRecipe(recipeUriOf(recipeArg));
  if (!uri) return undefined;
  const core = await runs.core();
  await vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && d.isDirty)?.save();
  const { loadRecipeFile, RecipeError } = await import('../../core/recipe/loadRecipe');
  const { planLaunch } = await import('../runs/plan');
  const rel = vscode.workspace.asRelativePath(uri);
  try {
    const { resolved } = loadRecipeFile(uri.fsPath);
    let stageId = mode === 'all' ? undefined : stageIdOf(recipeArg, stageArg);
    if (mode !== 'all' && !stageId) {
      stageId = await pickStage(resolved, mode === 'stage' ? 'Stage to run' : 'Run from which stage?');
      if (!stageId) return undefined;
    }
    const plan = planLaunch({
      recipe: resolved, recipeHash: createHash('sha256').update(readFileSync(uri.fsPath, 'utf8')).digest('hex'), mode, stageId,
      runs: core.store.runs(), busy: (d) => core.supervisor.busyReason(d) !== undefined,
    });
    if (plan.note) void vscode.window.showInformationMessage(`See2Think: ${plan.note}.`);
    const job = plan.runDir
      ? await core.supervisor.runStages(plan.runDir, plan.stages, { resumeFirst: plan.resumeFirst })
      : await core.supervisor.startRun(uri.fsPath, plan.stages);
    showProgress(core, job);
    return job.runDir;
  } catch (err) {
    if (err instanceof RecipeError) {
      const first = err.problems.find((p) => p.severity === 'error');
      void vscode.window.showErrorMessage(
        `See2Think: ${rel} cannot be run — ${first ? `line ${first.range.start.line}: ${first.message}` : err.message}`, 'Validate Recipe',
      ).then((a) => a && vscode.commands.executeCommand('see2think.validateRecipe', uri));
    } else {
      void vscode.window.showErrorMessage(`See2Think: ${(err as Error).message}`);
    }
    runs.log.error(`launch ${mode} ${rel}: ${(err as Error).message}`);
    return undefined;
  }
}

/** A cancellable notification while a run's stages execute (cancel = Stop). */
export function showProgress(core: RunsCore, job: RunJob): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `See2Think ${label(core, job.runDir)}`, cancellable: true },
    async (progress, token) => {
      progress.report({ message: `starting '${job.stages[0]}'…` });
      const stop = token.onCancellationRequested(() => void core.supervisor.stop(job.runDir));
      const sub = core.supervisor.onProgress((p) => {
        if (p.runDir !== job.runDir) return;
        progress.report({ message: `stage ${p.index + 1}/${p.count} '${p.stageId}'${p.phase ? ` (${p.phase})` : ''} · step ${p.step ?? 0}/${p.total}` });
      });
      try {
        await job.done;
      } finally {
        stop.dispose();
        sub.dispose();
      }
    },
  );
}

/** How stages and runs ended, as notifications (registered once the core is loaded). */
export function reportEndings(core: RunsCore): vscode.Disposable {
  return core.supervisor.onStageEnd((e: StageEnd) => {
    const name = `stage '${e.stageId}' of ${label(core, e.runDir)}`;
    if (e.state === 'failed') {
      const code = e.exitCode !== null ? ` (exit code ${e.exitCode})` : e.signal ? ` (${e.signal})` : '';
      const why = (e.error ?? '').split('\n')[0];
      const tail = e.logTail.slice(-3).join(' ⏎ ');
      void vscode.window.showErrorMessage(`See2Think: ${name} failed${code}: ${why}${tail && !why.includes(tail) ? ` — log: ${tail}` : ''}`, 'Show Log', 'Resume Run')
        .then((a) => {
          if (a === 'Show Log') void vscode.window.showTextDocument(vscode.Uri.file(join(e.runDir, 'stages', e.stageId, 'log.txt')));
          if (a === 'Resume Run') void vscode.commands.executeCommand('see2think.resumeRun', e.runDir);
        });
    } else if (e.state === 'cancelled') {
      void vscode.window.showInformationMessage(`See2Think: ${name} stopped.`, 'Resume Run')
        .then((a) => a && vscode.commands.executeCommand('see2think.resumeRun', e.runDir));
    }
  });
}

export function registerRunCommands(context: vscode.ExtensionContext, runs: Runs): void {
  const reg = (id: string, f: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, f));
  reg('see2think.runAll', (recipe?: unknown) => launch(runs, 'all', recipe));
  reg('see2think.runStage', (recipe?: unknown, stageId?: unknown) => launch(runs, 'stage', recipe, stageId));
  reg('see2think.runFrom', (recipe?: unknown, stageId?: unknown) => launch(runs, 'from', recipe, stageId));

  reg('see2think.stopRun', async (arg?: unknown): Promise<boolean> => {
    // Stop signals processes a run folder names: only where the workspace's files are trusted.
    if (!canLaunch('stopping trainers')) return false;
    const core = await runs.core();
    const running = core.store.runs().filter((r) => core.supervisor.job(r.dir) || r.stages.some((s) => s.status?.state === 'running'));
    const runDir = runDirOf(arg) ?? await pickRun(running, 'Run to stop');
    if (!runDir) {
      if (!running.length) void vscode.window.showInformationMessage('See2Think: no run is running.');
      return false;
    }
    const refused: string[] = [];
    const stopped = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `See2Think: stopping ${label(core, runDir)}…` },
      () => core.supervisor.stop(runDir, (why) => refused.push(why)),
    );
    if (!stopped) void vscode.window.showInformationMessage(`See2Think: ${label(core, runDir)} ${refused.length ? `was not stopped: ${refused.join('; ')}` : 'is not running'}.`);
    return stopped;
  });

  reg('see2think.breakLock', async (arg?: unknown): Promise<boolean> => {
    const core = await runs.core();
    const { describeHolder, readLock } = await import('../runs/runLock');
    const locked = core.store.runs().filter((r) => core.supervisor.lockedBy(r.dir));
    const runDir = runDirOf(arg) ?? await pickRun(locked, 'Run whose lock to break');
    const lock = runDir ? readLock(runDir) : undefined;
    if (!runDir || !lock) {
      if (runDir) void vscode.window.showInformationMessage(`See2Think: ${label(core, runDir)} has no lock.`);
      return false;
    }
    // A confirmation that defaults to keeping the lock (Escape keeps it too).
    const keep = { label: 'Keep the lock', description: 'the holder may still be running the run' };
    const drop = { label: '$(unlock) Break the lock', description: 'only when that window or host is gone for good: two drivers of one run write over each other\'s files' };
    const answer = await vscode.window.showQuickPick([keep, drop], {
      title: `Break the lock of ${label(core, runDir)}?`,
      placeHolder: `held by ${describeHolder(lock)} since ${lock.since || 'an unknown time'}`,
    });
    if (answer !== drop) return false;
    core.supervisor.breakLock(runDir);
    runs.log.warn(`broke the lock of ${runDir} (held by ${describeHolder(lock)})`);
    core.store.refresh(runDir);
    return true;
  });

  reg('see2think.resumeRun', async (arg?: unknown): Promise<string | undefined> => {
    if (!canLaunch()) return undefined;
    const core = await runs.core();
    const { planResume } = await import('../runs/plan');
    const resumable = core.store.runs().filter((r) => !core.supervisor.job(r.dir) && r.stages.some((s) => s.status?.state !== 'succeeded'));
    const runDir = runDirOf(arg) ?? await pickRun(resumable, 'Run to resume');
    if (!runDir) {
      if (!resumable.length) void vscode.window.showInformationMessage('See2Think: no run to resume.');
      return undefined;
    }
    try {
      const snap = core.store.get(runDir) ?? core.store.addRun(runDir);
      core.store.refresh(runDir);
      const plan = planResume(snap);
      const job = await core.supervisor.runStages(runDir, plan.stages, { resumeFirst: plan.resumeFirst });
      showProgress(core, job);
      return runDir;
    } catch (err) {
      void vscode.window.showErrorMessage(`See2Think: ${(err as Error).message}`);
      return undefined;
    }
  });

  void runs.core().then((core) => context.subscriptions.push(reportEndings(core)));
}
