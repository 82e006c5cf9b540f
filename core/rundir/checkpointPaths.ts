// Where checkpoints live in a stage directory, and which one is the latest *complete* one: a checkpoint
// counts only once its meta.json exists (written last), so a crash mid-save never yields a broken parent.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';

export const CHECKPOINT_META = 'meta.json';

export function checkpointDir(stageDir: string, step: number): string {
  return join(stageDir, RUN_FILES.checkpoints, `step-${step}`);
}

/** Complete checkpoints of a stage, by ascending step. */
export function listCheckpoints(stageDir: string): { step: number; dir: string }[] {
  const root = join(stageDir, RUN_FILES.checkpoints);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return []; // missing, or not a folder
  }
  return names
    .map((name) => ({ name, m: /^step-(\d+)$/.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ step: Number(x.m[1]), dir: join(root, x.name) }))
    .filter((c) => existsSync(join(c.dir, CHECKPOINT_META)))
    .sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(stageDir: string): { step: number; dir: string } | undefined {
  const all = listCheckpoints(stageDir);
  return all[all.length - 1];
}
