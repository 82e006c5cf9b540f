// Runs ONE stage of an existing run directory with the built-in trainer (what `see2think stage` does, and so
// what the extension's supervisor and SLURM batch scripts run): the process-level part — claim the stage,
// restart or resume, pick the backend, keep status.json, and settle succeeded / failed / cancelled.
// What it trains is stageState.ts; the loop is trainLoop.ts.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import { openRun } from '../../core/rundir/runDir';
import { readRunMeta } from '../../core/rundir/runDirReader';
import { writeRunMeta } from '../../core/rundir/runDirWriter';
import { latestCheckpoint } from '../../core/rundir/checkpointPaths';
import { claimStage, nowIso, startRunningStatus, type RunStageOptions, type StageOutcome } from '../../core/rundir/runningStatus';
import { StageOutput } from '../../core/rundir/stageOutput';
import { initBackend } from '../backend';
import { type StageState, openStageState, saveIfNeeded, disposeStage } from './stageState';
import { StageCancelled, trainStage } from './trainLoop';

function hasProgress(stageDir: string): boolean {
  const metrics = join(stageDir, RUN_FILES.metrics);
  return latestCheckpoint(stageDir) !== undefined || (existsSync(metrics) && statSync(metrics).size > 0);
}

function recordBackend(runDir: string, backend: string): void {
  const meta = readRunMeta(runDir).value;
  if (meta && meta.backend !== backend) writeRunMeta(runDir, { ...meta, backend });
}

export async function runStage(o: RunStageOptions): Promise<StageOutcome> {
  const run = openRun(o.runDir);
  const stage = run.recipe.stages.find((s) => s.id === o.stageId);
  if (!stage) throw new Error(`no stage '${o.stageId}' in ${join(o.runDir, RUN_FILES.recipe)} (stages: ${run.recipe.stages.map((s) => s.id).join(', ')})`);
  if (run.recipe.model.trainer !== 'builtin') {
    throw new Error(`the recipe's trainer is '${run.recipe.model.trainer}'; see2think stage runs only the built-in trainer`);
  }
  const out = o.out ?? new StageOutput(o.runDir, stage.id);
  const stageDir = out.writer.dir;
  const prev = claimStage(o.runDir, stage.id);
  if (!o.resume && hasProgress(stageDir)) {
    if (!o.restart) {
      throw new Error(`stage ${stage.id} already has progress in ${stageDir}: pass --resume to continue it, or --restart to discard it and start over`);
    }
    for (const f of [RUN_FILES.metrics, RUN_FILES.traces, RUN_FILES.checkpoints, RUN_FILES.samples]) rmSync(join(stageDir, f), { recursive: true, force: true });
    for (const d of [RUN_FILES.checkpoints, RUN_FILES.samples]) mkdirSync(join(stageDir, d), { recursive: true });
    out.log('restart: earlier metrics, traces, samples and checkpoints removed');
  }

  const backend = await initBackend();
  recordBackend(o.runDir, backend.label);
  out.log(`backend: ${backend.label}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);

  const setStatus = startRunningStatus(out, stage, prev).set;

  let state: StageState | undefined;
  try {
    state = openStageState(run, stage, out, !!o.resume);
    setStatus({ step: state.step, last_checkpoint: state.lastCheckpointRel });
    await trainStage(state, o.cancelRequested ?? (() => false), (step, ck) => setStatus({ step, last_checkpoint: ck }));
    setStatus({ state: 'succeeded', ended: nowIso(), exit_code: 0 });
    out.log(`succeeded at step ${state.step}`);
    return 'succeeded';
  } catch (err) {
    if (err instanceof StageCancelled && state) {
      saveIfNeeded(state);
      setStatus({ state: 'cancelled', ended: nowIso(), exit_code: 143, signal: 'SIGTERM', step: state.step, last_checkpoint: state.lastCheckpointRel });
      out.log(`cancelled at step ${state.step}${state.lastCheckpointRel ? `; checkpoint ${state.lastCheckpointRel}` : ''}`);
      return 'cancelled';
    }
    const message = (err as Error).message ?? String(err);
    out.log(`failed: ${(err as Error).stack ?? message}`, 'error');
    setStatus({ state: 'failed', ended: nowIso(), exit_code: 1, error: message });
    return 'failed';
  } finally {
    if (state) disposeStage(state);
  }
}
