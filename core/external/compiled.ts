// What a stage compiles to for an external trainer: an argument vector (never a shell string), its working
// directory and environment, where the trainer writes its own files and how to read them, and what runs
// after it (EasyR1's checkpoint merge into a Hugging Face folder the next stage starts from).
import type { VerlRunPaths } from './verl/verlRun';
import type { ExternalTrainer, StageContext } from './stageContext';
import { substitute } from './substitute';
import { recipePath } from './stageContext';

export type ReaderSpec =
  | { kind: 'easyr1'; dir: string }
  | { kind: 'verl'; paths: VerlRunPaths }
  | { kind: 'trl'; dir: string }
  /** The command writes our metrics.jsonl itself. */
  | { kind: 'command' };

export interface Step {
  what: string;
  argv: string[];
  cwd: string;
}

export interface CompiledStage {
  trainer: ExternalTrainer;
  stageId: string;
  argv: string[];
  cwd: string;
  /** Added to the launching environment. */
  env: Record<string, string>;
  outputDir: string;
  initCheckpoint: string | null;
  read: ReaderSpec;
  /** Run after the trainer succeeded, in order. */
  after: Step[];
  /** Things the user should know about this command line. */
  notes: string[];
}

export class CompileError extends Error {}

export const pythonOf = (c: StageContext) => c.recipe.model.python ?? 'python3';

export const cwdOf = (c: StageContext) => (c.recipe.model.cwd ? recipePath(c.recipeDir, c.recipe.model.cwd) : c.recipeDir);

/** model.env then launch.env, ${…} substituted; Python trainers also get PYTHONUNBUFFERED=1 (live logs). */
export function envOf(c: StageContext, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = c.trainer === 'command' ? {} : { PYTHONUNBUFFERED: '1' };
  for (const [where, vars] of [['model.env', c.recipe.model.env], ['launch.env', c.stage.launch.env]] as const) {
    for (const [k, v] of Object.entries(vars ?? {})) env[k] = substitute(v, c.vars, `${where}.${k}`);
  }
  return { ...env, ...extra };
}

/** The recipe's overrides (model-wide, then the stage's), string values ${…}-substituted. */
export function overridesOf(c: StageContext): [string, string | number | boolean][] {
  return Object.entries(c.stage.overrides).map(([k, v]) => [k, typeof v === 'string' ? substitute(v, c.vars, `overrides.${k}`) : v]);
}

export function requireInit(c: StageContext): string {
  if (c.initCheckpoint) return c.initCheckpoint;
  throw new CompileError(`stage '${c.stage.id}' starts from the base model, but model.path (the initial model: a Hugging Face id or a folder) is not set`);
}

export function requireData(c: StageContext): string {
  if (c.stage.data.file) return c.stage.data.file;
  throw new CompileError(`stage '${c.stage.id}': the ${c.trainer} trainer reads its prompts from a file: set data.file (JSONL, Parquet or a Hub dataset id)`);
}
