// Reads a run directory as it stands: run.json, each stage's status.json, and its JSONL files
// (tolerantly). Missing or unreadable files come back as undefined plus a note, never as a throw.
import { closeSync, constants, existsSync, lstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type RunMeta, type StageStatus } from '../../protocol/runRecords';

/** Opens a run-folder file for reading without following a symbolic link in its last component (O_NOFOLLOW). */
export function openNoFollow(path: string): number {
  return openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
}

/** Why a run-folder file could not be opened, in words (a symbolic link is never followed: ELOOP). */
export const openError = (err: unknown): string => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'missing' : code === 'ELOOP' ? 'a symbolic link (not followed in a run folder)' : (err as Error).message;
};

export function readJsonFile<T>(path: string): { value?: T; error?: string } {
  let text: string;
  try {
    const fd = openNoFollow(path);
    try {
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return { error: openError(err) };
  }
  try {
    return { value: JSON.parse(text) as T };
  } catch (err) {
    return { error: `not valid JSON (${(err as Error).message})` };
  }
}

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.run)) || existsSync(join(dir, RUN_FILES.stagesDir));
}

/**
 * Stage ids in the order run.json lists them, then any other stage folders found on disk (an unlistable
 * `stages`, a link in it: skipped, never a throw).
 */
export function stageIdsOf(runDir: string, meta?: RunMeta): string[] {
  const ids = Array.isArray(meta?.stages) ? meta.stages.filter((s): s is string => typeof s === 'string' && isSafeName(s)) : [];
  let names: string[] = [];
  try {
    names = readdirSync(join(runDir, RUN_FILES.stagesDir)).sort();
  } catch {
    return ids;
  }
  for (const d of names) {
    if (ids.includes(d) || !isSafeName(d)) continue;
    try {
      // A real folder only: a link out of the run folder is not a stage.
      if (lstatSync(join(runDir, RUN_FILES.stagesDir, d)).isDirectory()) ids.push(d);
    } catch {
      // gone meanwhile
    }
  }
  return ids;
}

/** A stage id usable as one path segment (run.json is data: no separators, no "..", no NUL). */
const isSafeName = (s: string) => s.length > 0 && s.length <= 200 && s !== '.' && s !== '..' && !/[/\\\0]/.test(s);

export function stagePath(runDir: string, stageId: string, file?: string): string {
  const dir = join(runDir, RUN_FILES.stagesDir, stageId);
  return file ? join(dir, file) : dir;
}

export function readStageStatus(runDir: string, stageId: string): { value?: StageStatus; error?: string } {
  return readJsonFile<StageStatus>(stagePath(runDir, stageId, RUN_FILES.status));
}

export function readRunMeta(runDir: string): { value?: RunMeta; error?: string } {
  return readJsonFile<RunMeta>(join(runDir, RUN_FILES.run));
}
