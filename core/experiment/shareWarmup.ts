// One warm-up per seed, shared by every arm: the warm-up stage folder of the run that trained it is copied into
// another run of the same seed (records, samples and its final checkpoint, whose files are hard-linked when the
// file system allows), so that run's RL stages start from the very same weights. status.json is written last:
// a copy interrupted half-way is not a succeeded stage, and is redone.
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import { CHECKPOINT_META, latestCheckpoint } from '../rundir/checkpointPaths';
import { readStageStatus, stagePath } from '../rundir/runDirReader';

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Copies `stageId` of `fromRun` (which must have succeeded) into `toRun`, unless it is already there. */
export function shareWarmup(fromRun: string, toRun: string, stageId: string): 'copied' | 'present' {
  if (readStageStatus(toRun, stageId).value?.state === 'succeeded') return 'present';
  const status = readStageStatus(fromRun, stageId).value;
  const src = stagePath(fromRun, stageId);
  const ck = latestCheckpoint(src);
  if (status?.state !== 'succeeded' || !ck) throw new Error(`the warm-up ${stageId} of ${fromRun} has not succeeded: nothing to share`);
  const dst = stagePath(toRun, stageId);
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(join(dst, RUN_FILES.checkpoints), { recursive: true });
  for (const f of [RUN_FILES.metrics, RUN_FILES.traces, RUN_FILES.log]) if (existsSync(join(src, f))) copyFileSync(join(src, f), join(dst, f));
  if (existsSync(join(src, RUN_FILES.samples))) cpSync(join(src, RUN_FILES.samples), join(dst, RUN_FILES.samples), { recursive: true });
  else mkdirSync(join(dst, RUN_FILES.samples));
  const to = join(dst, RUN_FILES.checkpoints, `step-${ck.step}`);
  mkdirSync(to);
  const files = readdirSync(ck.dir).filter((f) => f !== CHECKPOINT_META);
  for (const f of files) linkOrCopy(join(ck.dir, f), join(to, f));
  copyFileSync(join(ck.dir, CHECKPOINT_META), join(to, CHECKPOINT_META));
  copyFileSync(join(src, RUN_FILES.status), join(dst, RUN_FILES.status));
  return 'copied';
}
