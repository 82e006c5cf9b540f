// Finished runs written as a trainer writes them, for the comparison suites: a recipe file, then per stage its
// metrics on the global-step axis, checkpoints (meta.json last, as the trainer saves them) and a succeeded
// status; optionally an experiment arm × seed in run.json and a chosen creation time.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRun } from '../../../core/rundir/runDir';
import { StageWriter, writeJsonAtomic, writeRunMeta } from '../../../core/rundir/runDirWriter';
import { checkpointDir, CHECKPOINT_META } from '../../../core/rundir/checkpointPaths';
import type { RunGroup } from '../../../protocol/runRecords';

/** A recipe of 30-step stages on the tiny built-in model; `extra` lines go under `defaults.algorithm`. */
export function recipeText(name: string, stages: [string, string][], extra = ''): string {
  return `name: ${name}
description: comparison host test (${name})
model:
  trainer: builtin
  preset: tiny
${extra ? `defaults:\n  algorithm:\n${extra.replace(/^/gm, '    ')}\n` : ''}stages:
${stages.map(([id, kind], i) => `  - id: ${id}\n    kind: ${kind}\n    steps: 30${i === 0 ? '\n    init_from: null' : ''}`).join('\n')}
`;
}

export function writeRecipe(file: string, name: string, stages: [string, string][], extra = ''): string {
  writeFileSync(file, recipeText(name, stages, extra));
  return file;
}

export interface FinishedRun {
  recipeFile: string;
  runId: string;
  stages: string[];
  /** response_length/mean at global step x. */
  length: (x: number) => number;
  /** Folder holding runs/<recipe>/…; default: the recipe's own. */
  runsDir?: string;
  group?: RunGroup;
  /** ISO time for run.json's `created` (the pickers order by it). */
  created?: string;
  /** Steps (1…30) at which each stage saved a checkpoint. */
  checkpoints?: number[];
}

/** Writes the run and returns its folder. */
export function writeFinishedRun(o: FinishedRun): string {
  const { runDir, meta } = createRun({ recipeFile: o.recipeFile, runId: o.runId, runsDir: o.runsDir });
  if (o.group || o.created) writeRunMeta(runDir, { ...meta, ...(o.group ? { group: o.group } : {}), ...(o.created ? { created: o.created } : {}) });
  o.stages.forEach((stage, k) => {
    const w = new StageWriter(runDir, stage);
    const now = () => new Date().toISOString();
    w.status({ stage, state: 'running', target: 'local', updated: now(), total_steps: 30 });
    for (let step = 1; step <= 30; step++) {
      const x = k * 30 + step;
      w.metric({ step, global_step: x, time: 1.7e9 + x, stage, 'reward/overall': 0.5 + x / 400, 'response_length/mean': o.length(x) });
      if (o.checkpoints?.includes(step)) {
        const dir = checkpointDir(w.dir, step);
        writeJsonAtomic(join(dir, CHECKPOINT_META), { step, global_step: x, stage, time: now(), parent: k ? `${o.stages[k - 1]}/step-30` : null, trainer: 'builtin' });
      }
    }
    w.status({ stage, state: 'succeeded', target: 'local', updated: now(), total_steps: 30, step: 30 });
  });
  return runDir;
}
