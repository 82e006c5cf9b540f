// Finds the checkpoint a user means: a checkpoint folder (stages/<id>/checkpoints/step-N), a stage folder
// (its latest complete checkpoint) or a run folder (the latest checkpoint of its last stage that has one),
// and the run it belongs to (its frozen recipe says how the stage validates: set, lengths, reward).
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import { CHECKPOINT_META, latestCheckpoint } from '../../core/rundir/checkpointPaths';
import { stagePath } from '../../core/rundir/runDirReader';
import { openRun, type OpenRun } from '../../core/rundir/runDir';
import { readCheckpointMeta, type BuiltinCheckpointMeta } from '../model/checkpoint';
import type { ResolvedStage } from '../../protocol/recipe';

export interface CheckpointRef {
  dir: string;
  meta: BuiltinCheckpointMeta;
  run: OpenRun;
  stage: ResolvedStage;
  step: number;
  /** "<recipe>/<run-id>/<stage>/step-<N>" */
  label: string;
}

export class CheckpointNotFound extends Error {}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** The checkpoint folder a checkpoint, stage or run folder stands for (the latest complete checkpoint). */
export function resolveCheckpointDir(path: string): string {
  const p = resolve(path);
  if (!isDir(p)) throw new CheckpointNotFound(`${path}: no such directory`);
  if (existsSync(join(p, CHECKPOINT_META))) return p;
  if (/^step-\d+$/.test(basename(p))) throw new CheckpointNotFound(`${path}: incomplete checkpoint (no ${CHECKPOINT_META}: still being written, or interrupted)`);
  if (basename(dirname(p)) === RUN_FILES.stagesDir || existsSync(join(p, RUN_FILES.checkpoints))) {
    const ck = latestCheckpoint(p);
    if (!ck) throw new CheckpointNotFound(`${path}: this stage has no complete checkpoint yet`);
    return ck.dir;
  }
  if (existsSync(join(p, RUN_FILES.recipe))) {
    const run = openRun(p);
    for (const s of [...run.recipe.stages].reverse()) {
      const ck = latestCheckpoint(stagePath(p, s.id));
      if (ck) return ck.dir;
    }
    throw new CheckpointNotFound(`${path}: no stage of this run has a checkpoint yet`);
  }
  throw new CheckpointNotFound(`${path}: not a checkpoint, stage or run directory`);
}

export function locateCheckpoint(path: string): CheckpointRef {
  const dir = resolveCheckpointDir(path);
  const meta = readCheckpointMeta(dir);
  // <run>/stages/<stage>/checkpoints/step-N
  const stageDir = dirname(dirname(dir));
  const runDir = dirname(dirname(stageDir));
  if (basename(dirname(dir)) !== RUN_FILES.checkpoints || basename(dirname(stageDir)) !== RUN_FILES.stagesDir || !existsSync(join(runDir, RUN_FILES.recipe))) {
    throw new CheckpointNotFound(`${dir}: not inside a run directory (expected <run>/stages/<stage>/checkpoints/step-N with <run>/recipe.yaml)`);
  }
  const run = openRun(runDir);
  const stageId = basename(stageDir);
  const stage = run.recipe.stages.find((s) => s.id === stageId);
  if (!stage) throw new CheckpointNotFound(`${dir}: stage '${stageId}' is not in the run's recipe`);
  return { dir, meta, run, stage, step: meta.step, label: `${run.recipe.name}/${basename(runDir)}/${stageId}/step-${meta.step}` };
}
