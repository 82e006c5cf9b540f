// The runs of a recipe that have data for a stage (any state but pending), newest first: what the
// "Dashboard" CodeLens above a stage opens. Reads run directories only (Node, no 'vscode').
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/runRecords';
import { readStageStatus } from '../../core/rundir/runDirReader';

/** runs/<name>/ for a recipe file: runs_dir is relative to the recipe's folder. */
export function recipeRunsFolder(recipeDir: string, runsDir: string | undefined, name: string): string {
  return join(recipeDir, runsDir ?? 'runs', name);
}

/** stage id → run directories where that stage has started, newest run first (run ids sort by time). */
export function runsByStage(runsFolder: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(runsFolder)) return out;
  let runIds: string[];
  try {
    runIds = readdirSync(runsFolder, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort().reverse();
  } catch {
    return out;
  }
  for (const id of runIds) {
    const runDir = join(runsFolder, id);
    const stagesDir = join(runDir, RUN_FILES.stagesDir);
    let stages: string[];
    try {
      stages = readdirSync(stagesDir);
    } catch {
      continue;
    }
    for (const stage of stages) {
      const status = readStageStatus(runDir, stage).value;
      const hasData = (status && status.state !== 'pending') || existsSync(join(stagesDir, stage, RUN_FILES.metrics));
      if (!hasData) continue;
      if (!out.has(stage)) out.set(stage, []);
      out.get(stage)!.push(runDir);
    }
  }
  return out;
}
