// Puts a compiled stage's files in place before its trainer starts (CompiledStage.files: our reward module
// and its settings, TRL's data folder): copies and written files go through a temporary name and a rename,
// links replace what was there, so a stage that is resumed or restarted gets the recipe's current ones.
import { copyFileSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StageFile } from './compiled';

export function placeStageFiles(files: StageFile[]): void {
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    if (f.linkTo !== undefined) {
      rmSync(f.path, { force: true });
      symlinkSync(f.linkTo, f.path);
      continue;
    }
    const tmp = `${f.path}.tmp-${process.pid}`;
    if (f.copyFrom !== undefined) copyFileSync(f.copyFrom, tmp);
    else writeFileSync(tmp, f.content ?? '');
    renameSync(tmp, f.path);
  }
}
