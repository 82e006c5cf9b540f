// Everything a stage's command line is built from: the resolved recipe and stage, where the run and the
// recipe live, where the external trainer writes its own files, and which checkpoint the stage starts from
// (the previous stage's final Hugging Face model folder, or the recipe's model.path for the first stage).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ResolvedRecipe, ResolvedStage, TrainerKind } from '../../protocol/recipe';
import { RUN_FILES } from '../../protocol/runRecords';
import { listCheckpoints, CHECKPOINT_META } from '../rundir/checkpointPaths';
import type { Variables } from './substitute';
import type { TrainerVersion } from './trainerVersion';
import { trlStepsPerStep } from './trl/trlSteps';

export type ExternalTrainer = Exclude<TrainerKind, 'builtin'>;

export interface StageContext {
  recipe: ResolvedRecipe;
  stage: ResolvedStage;
  trainer: ExternalTrainer;
  /** Absolute run directory (runs/<name>/<run-id>). */
  runDir: string;
  /** Absolute directory of the recipe file: relative paths in the recipe resolve against it. */
  recipeDir: string;
  stageDir: string;
  /** Where the external trainer writes its own files (checkpoints, logs): stages/<id>/<trainer>/. */
  outputDir: string;
  /** The model the stage starts from; null only for a first stage without model.path. */
  initCheckpoint: string | null;
  /** ${…} placeholders available in model.command, overrides and env values. */
  vars: Variables;
  /** EasyR1, verl, TRL: the upstream version the command is compiled for (its keys come from its facts). */
  version?: TrainerVersion;
}

export const stageDirOf = (runDir: string, stageId: string) => join(runDir, RUN_FILES.stagesDir, stageId);
/** The `command` trainer writes our files directly into the stage folder; the others get their own folder in it. */
export const outputDirOf = (runDir: string, stageId: string, trainer: ExternalTrainer) =>
  trainer === 'command' ? stageDirOf(runDir, stageId) : join(stageDirOf(runDir, stageId), trainer);

/** A recipe path: absolute as written, else relative to the recipe's folder. */
export const recipePath = (recipeDir: string, p: string) => (isAbsolute(p) ? p : resolve(recipeDir, p));

/**
 * Where a finished stage's final model will be, by construction of its command line: EasyR1 and verl save
 * global_step_<steps>/actor/huggingface under the stage's output dir, TRL checkpoint-<its step count>, a `command`
 * trainer our own checkpoints/step-<steps>.
 */
export function expectedFinalCheckpoint(recipe: ResolvedRecipe, stage: ResolvedStage, runDir: string): string {
  const trainer = recipe.model.trainer as ExternalTrainer;
  const out = outputDirOf(runDir, stage.id, trainer);
  switch (trainer) {
    case 'easyr1':
    case 'verl':
      return join(out, `global_step_${stage.steps}`, 'actor', 'huggingface');
    case 'trl':
      return join(out, `checkpoint-${stage.steps * trlStepsPerStep(stage)}`);
    case 'command':
      return join(stageDirOf(runDir, stage.id), RUN_FILES.checkpoints, `step-${stage.steps}`);
  }
}

/** The latest checkpoint a run actually recorded for a stage (checkpoints/step-N/meta.json `model_path`). */
export function recordedFinalCheckpoint(runDir: string, stageId: string): string | undefined {
  const all = listCheckpoints(stageDirOf(runDir, stageId));
  const last = all[all.length - 1];
  if (!last) return undefined;
  try {
    const meta = JSON.parse(readFileSync(join(last.dir, CHECKPOINT_META), 'utf8')) as { model_path?: unknown };
    // External trainers' pointer checkpoints name the model folder (which may be gone: the caller checks).
    return typeof meta.model_path === 'string' ? meta.model_path : last.dir;
  } catch {
    return last.dir;
  }
}

export function stageContext(o: { recipe: ResolvedRecipe; stageId: string; runDir: string; recipeDir: string; initCheckpoint?: string | null; version?: TrainerVersion }): StageContext {
  const stage = o.recipe.stages.find((s) => s.id === o.stageId);
  if (!stage) throw new Error(`no stage '${o.stageId}' in recipe '${o.recipe.name}' (stages: ${o.recipe.stages.map((s) => s.id).join(', ')})`);
  const trainer = o.recipe.model.trainer;
  if (trainer === 'builtin') throw new Error(`recipe '${o.recipe.name}' uses the built-in trainer: there is no external command line`);
  const runDir = resolve(o.runDir);
  const stageDir = stageDirOf(runDir, stage.id);
  const outputDir = outputDirOf(runDir, stage.id, trainer);
  let init = o.initCheckpoint;
  if (init === undefined) {
    const from = stage.initFrom ? o.recipe.stages.find((s) => s.id === stage.initFrom) : undefined;
    init = from
      ? recordedFinalCheckpoint(runDir, from.id) ?? expectedFinalCheckpoint(o.recipe, from, runDir)
      : o.recipe.model.path ? modelPath(o.recipeDir, o.recipe.model.path) : null;
  }
  return {
    recipe: o.recipe, stage, trainer, runDir, recipeDir: o.recipeDir, stageDir, outputDir, initCheckpoint: init, version: o.version,
    vars: {
      stage_dir: stageDir, stage_id: stage.id, steps: String(stage.steps), init_checkpoint: init ?? '',
      run_dir: runDir, recipe_dir: o.recipeDir, output_dir: outputDir,
    },
  };
}

/** model.path: a local folder (relative to the recipe) when it exists, else a Hugging Face model id as written. */
export function modelPath(recipeDir: string, p: string): string {
  const local = recipePath(recipeDir, p);
  return isAbsolute(p) || existsSync(local) ? local : p;
}

/** `owner/name` or `owner/name@split`: a Hugging Face Hub id, which EasyR1, verl and TRL load themselves. */
export const looksLikeHubId = (v: string) =>
  /^[A-Za-z0-9][\w.-]*\/[\w.-]+(@[\w.-]+)?$/.test(v) && (v.includes('@') || !/\.[A-Za-z0-9]{1,8}$/.test(v));

/** A data file: absolute when it is a local path (relative to the recipe), as written when a Hub dataset id. */
export function dataPath(recipeDir: string, p: string): string {
  const local = recipePath(recipeDir, p);
  return !isAbsolute(p) && looksLikeHubId(p) && !existsSync(local) ? p : local;
}
