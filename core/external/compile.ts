// A recipe stage → the external trainer's command line (see compiled.ts): one entry point for `see2think
// show-command`, the extension's Show Command, the stage bridge and the SLURM batch script. EasyR1, verl and
// TRL stages are compiled for one supported upstream version (trainerVersion.ts), whose facts name the keys.
import type { ResolvedRecipe } from '../../protocol/recipe';
import { stageContext } from './stageContext';
import { compileEasyR1 } from './easyr1/easyr1Command';
import { compileVerl } from './verl/verlCommand';
import { compileTrl } from './trl/trlCommand';
import { compileCommand } from './commandTrainer';
import { CompileError, type CompiledStage } from './compiled';
import { resolveTrainerVersion, type TrainerVersion } from './trainerVersion';

export interface CompileOptions {
  recipe: ResolvedRecipe;
  stageId: string;
  /** The run directory (it need not exist yet: Show Command before a launch passes a placeholder path). */
  runDir: string;
  /** Folder of the recipe file; relative paths in the recipe resolve against it. */
  recipeDir: string;
  /** Start from this model instead of the previous stage's final checkpoint (or model.path). */
  initCheckpoint?: string | null;
  /** The upstream version to compile for (default: resolved from the recipe and model.cwd). */
  version?: TrainerVersion;
  /** May ask model.python for the installed package's version (show-command, launch; not the editor). */
  probePackage?: boolean;
}

/** The version a recipe's external stages compile for; an unsupported one is a CompileError. */
export function versionFor(o: CompileOptions): { version?: TrainerVersion; notes: string[] } {
  const trainer = o.recipe.model.trainer;
  if (trainer === 'builtin' || trainer === 'command') return { notes: [] };
  if (o.version) return { version: o.version, notes: [] };
  const { version, problems } = resolveTrainerVersion(o.recipe, o.recipeDir, { probePackage: o.probePackage });
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new CompileError(errors.map((p) => `${p.at}: ${p.message}`).join('\n'));
  return { version, notes: problems.map((p) => p.message) };
}

export function compileStage(o: CompileOptions): CompiledStage {
  const { version, notes } = versionFor(o);
  const c = stageContext({ ...o, version });
  const compiled = (() => {
    switch (c.trainer) {
      case 'easyr1':
        return compileEasyR1(c);
      case 'verl':
        return compileVerl(c);
      case 'trl':
        return compileTrl(c);
      case 'command':
        return compileCommand(c);
    }
  })();
  if (version) compiled.version = { id: version.id, range: version.range, how: version.how, detail: version.detail };
  compiled.notes.unshift(...notes);
  return compiled;
}
