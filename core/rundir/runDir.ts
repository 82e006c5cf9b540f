// Creating and opening run directories. A new run never reuses an existing directory (mkdir fails on
// EEXIST), so two launches can never write into one run; an existing run is only ever resumed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RUN_FILES, type RunMeta, type LaunchTarget } from '../../protocol/runRecords';
import type { ResolvedRecipe } from '../../protocol/recipe';
import { loadRecipeFile, validateRecipeText, RecipeError } from '../recipe/loadRecipe';
import { StageWriter, writeRunMeta } from './runDirWriter';
import { readRunMeta } from './runDirReader';

export interface CreateRunOptions {
  recipeFile: string;
  /** Folder that holds runs/<recipe-name>/…; default: the recipe's runs_dir, relative to the recipe file. */
  runsDir?: string;
  runId?: string;
  target?: LaunchTarget;
  backend?: string;
  version?: string;
}

export interface OpenRun {
  runDir: string;
  meta: RunMeta;
  recipe: ResolvedRecipe;
  recipeText: string;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}-${randomBytes(2).toString('hex')}`;
}

export function runsRoot(recipeFile: string, recipe: ResolvedRecipe, runsDir?: string): string {
  return resolve(runsDir ?? join(dirname(resolve(recipeFile)), recipe.runsDir));
}

/** Validates the recipe, then creates runs/<name>/<run-id>/ with the frozen recipe, run.json and pending stages. */
export function createRun(o: CreateRunOptions): OpenRun {
  const { resolved, src } = loadRecipeFile(o.recipeFile);
  const runId = o.runId ?? newRunId();
  if (!RUN_ID.test(runId)) throw new Error(`run id '${runId}' is not allowed: letters, digits, '.', '_' and '-' (it names a folder)`);
  const parent = join(runsRoot(o.recipeFile, resolved, o.runsDir), resolved.name);
  mkdirSync(parent, { recursive: true });
  const runDir = join(parent, runId);
  try {
    mkdirSync(runDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`run directory ${runDir} already exists: choose another --run-id, or --resume it`);
    }
    throw err;
  }
  // JSON is YAML, so a JSON recipe's text is a valid recipe.yaml as it stands.
  writeFileSync(join(runDir, RUN_FILES.recipe), src.text);
  const meta: RunMeta = {
    id: runId,
    recipe_name: resolved.name,
    recipe_hash: createHash('sha256').update(src.text).digest('hex'),
    recipe_path: resolve(o.recipeFile),
    created: new Date().toISOString(),
    trainer: resolved.model.trainer,
    backend: o.backend,
    target: o.target ?? (resolved.stages[0]?.launch.target ?? 'local'),
    stages: resolved.stages.map((s) => s.id),
    see2think_version: o.version,
  };
  writeRunMeta(runDir, meta);
  for (const s of resolved.stages) {
    new StageWriter(runDir, s.id).status({
      stage: s.id, state: 'pending', target: s.launch.target, updated: meta.created, total_steps: s.steps,
    });
  }
  return { runDir, meta, recipe: resolved, recipeText: src.text };
}

/** Opens an existing run from its frozen recipe (never the live recipe file, which may have changed). */
export function openRun(runDir: string): OpenRun {
  const recipePath = join(runDir, RUN_FILES.recipe);
  if (!existsSync(recipePath)) throw new Error(`${runDir} is not a run directory (no ${RUN_FILES.recipe})`);
  const meta = readRunMeta(runDir);
  if (!meta.value) throw new Error(`${join(runDir, RUN_FILES.run)}: ${meta.error}`);
  const text = readFileSync(recipePath, 'utf8');
  const result = validateRecipeText(text, recipePath);
  if (!result.resolved) throw new RecipeError(recipePath, result.problems);
  return { runDir, meta: meta.value, recipe: result.resolved, recipeText: text };
}
