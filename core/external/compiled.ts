// What a stage compiles to for an external trainer: an argument vector (never a shell string), its working
// directory and environment, the upstream version it was compiled for, the files put in the stage folder
// before it starts (our reward module and its settings, TRL's data folder), where the trainer writes its own
// files and how to read them, and what runs after it (EasyR1's checkpoint merge into a Hugging Face folder
// the next stage starts from).
import type { VerlRunPaths } from './verl/verlRun';
import type { TrlLayout } from './trl/trlRun';
import type { ExternalTrainer, StageContext } from './stageContext';
import { substitute } from './substitute';
import { recipePath } from './stageContext';
import { acceptsKey, nearKeys, type FactsOf } from './upstream';
import type { ForeignKind } from './foreignRun';

export type ReaderSpec =
  | { kind: 'easyr1'; dir: string }
  | { kind: 'verl'; paths: VerlRunPaths }
  | { kind: 'trl'; dir: string; layout?: TrlLayout }
  /** The command writes our metrics.jsonl itself. */
  | { kind: 'command' };

/** A file the bridge puts in place before the trainer starts (compile itself never writes). */
export interface StageFile {
  path: string;
  what: string;
  /** Copy this file … */
  copyFrom?: string;
  /** … or write this text … */
  content?: string;
  /** … or make a symbolic link to this path. */
  linkTo?: string;
}

/** The upstream version a command line was compiled for (core/external/upstream.ts). */
export interface CompiledVersion {
  id: string;
  range: string;
  how: 'recipe' | 'git' | 'source' | 'package' | 'assumed';
  detail: string;
}

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
  /** EasyR1, verl, TRL: the upstream version whose keys the command uses. */
  version?: CompiledVersion;
  /** Put in place before the trainer starts (none when absent). */
  files?: StageFile[];
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

/** The facts of the version a stage is compiled for. */
export function factsFor<T extends ForeignKind>(c: StageContext, trainer: T): FactsOf<T> {
  if (c.version?.trainer !== trainer) throw new CompileError(`no ${trainer} version to compile stage '${c.stage.id}' for`);
  return c.version.facts as FactsOf<T>;
}

const TRAINER_NAME: Record<ForeignKind, string> = { easyr1: 'EasyR1', verl: 'verl', trl: 'TRL' };

/** "EasyR1 d146d24": how problems name the version. */
export const versionName = (c: StageContext) => `${TRAINER_NAME[c.version!.trainer]} ${c.version!.id}`;

/**
 * Every key a command sets must exist upstream at the version compiled for: the recipe's overrides (a
 * misspelled key is the user's to fix) and our own (a version this compiler does not handle). Hydra's
 * `+key`/`++key` add keys on purpose and are not checked.
 */
export function checkKeys(c: StageContext, keys: string[], userKeys: ReadonlySet<string>): void {
  const facts = c.version!.facts;
  const bad = keys.filter((k) => !/^\+/.test(k) && !acceptsKey(facts, k));
  if (!bad.length) return;
  throw new CompileError(bad.map((k) => {
    const near = nearKeys(facts, k);
    const hint = near.length ? ` (did you mean ${near.join(', ')}?)` : '';
    return userKeys.has(k)
      ? `overrides.${k}: ${versionName(c)} has no key '${k}'${hint}; it would stop at startup`
      : `${versionName(c)} has no key '${k}', which the ${TRAINER_NAME[c.version!.trainer]} command needs for this recipe${hint}`;
  }).join('\n'));
}
