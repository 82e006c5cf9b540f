// Creating and opening run directories. A new run never reuses an existing directory (mkdir fails on
// EEXIST), so two launches can never write into one run; an existing run is only ever resumed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { RUN_FILES, type RunMeta, type RunGroup, type LaunchTarget } from '../../protocol/runRecords';
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
  /** The experiment arm × seed this run is (written with the first run.json, so no reader sees it without). */
  group?: RunGroup;
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
  return runsDir !== undefined ? resolve(runsDir) : runsFolderOf(recipeFile, recipe.runsDir);
}

/** A recipe's runs_dir is relative to the recipe file's folder (also when written with a leading "/"). */
const runsFolderOf = (recipeFile: string, runsDir: string) => resolve(join(dirname(resolve(recipeFile)), runsDir));

/** What the recipe schema allows as `name` (it names a folder). */
export const RECIPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * runs_dir/<name> of a recipe from a loose parse (the Runs view reads recipes that may not validate): the same
 * folder runsRoot gives a valid recipe, or an error saying which key is unusable. It does not say whether the
 * folder is inside the workspace (see isInside).
 */
export function recipeRunsFolder(recipeFile: string, value: { name?: unknown; runs_dir?: unknown }): { root: string } | { error: string } {
  if (typeof value.name !== 'string' || !RECIPE_NAME.test(value.name)) return { error: `name ${JSON.stringify(value.name)?.slice(0, 80)} is not a recipe name (letters, digits, '.', '_', '-')` };
  const rd = value.runs_dir === undefined ? 'runs' : value.runs_dir;
  if (typeof rd !== 'string' || !rd || rd.includes('\0')) return { error: 'runs_dir is not a folder name' };
  return { root: join(runsFolderOf(recipeFile, rd), value.name) };
}

/** The real path of `p` (links resolved), or of its nearest existing ancestor with the rest appended. */
export function realPathNearest(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realPathNearest(parent), basename(abs));
  }
}

/** Whether `child` is `parent` or below it, after resolving links. */
export function isInside(child: string, parent: string): boolean {
  const c = realPathNearest(child);
  const p = realPathNearest(parent);
  return c === p || c.startsWith(p.endsWith(sep) ? p : p + sep);
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
    ...(o.group ? { group: o.group } : {}),
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
