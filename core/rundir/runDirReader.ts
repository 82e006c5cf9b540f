// Reads a run directory as it stands: run.json, each stage's status.json, and its JSONL files
// (tolerantly). Missing or unreadable files come back as undefined plus a note, never as a throw.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES, type RunMeta, type StageStatus } from '../../protocol/runRecords';

export function readJsonFile<T>(path: string): { value?: T; error?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message };
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

/** Stage ids in the order run.json lists them, then any other stage folders found on disk. */
export function stageIdsOf(runDir: string, meta?: RunMeta): string[] {
  const ids = [...(meta?.stages ?? [])];
  const stagesDir = join(runDir, RUN_FILES.stagesDir);
  if (existsSync(stagesDir)) {
    for (const d of readdirSync(stagesDir).sort()) {
      if (!ids.includes(d) && statSync(join(stagesDir, d)).isDirectory()) ids.push(d);
    }
  }
  return ids;
}

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
