// A recipe stage → the external trainer's command line (see compiled.ts): one entry point for `see2think
// show-command`, the extension's Show Command, the stage bridge and the SLURM batch script.
import type { ResolvedRecipe } from '../../protocol/recipe';
import { stageContext } from './stageContext';
import { compileEasyR1 } from './easyr1/easyr1Command';
import { compileVerl } from './verl/verlCommand';
import { compileTrl } from './trl/trlCommand';
import { compileCommand } from './commandTrainer';
import type { CompiledStage } from './compiled';

export interface CompileOptions {
  recipe: ResolvedRecipe;
  stageId: string;
  /** The run directory (it need not exist yet: Show Command before a launch passes a placeholder path). */
  runDir: string;
  /** Folder of the recipe file; relative paths in the recipe resolve against it. */
  recipeDir: string;
  /** Start from this model instead of the previous stage's final checkpoint (or model.path). */
  initCheckpoint?: string | null;
}

export function compileStage(o: CompileOptions): CompiledStage {
  const c = stageContext(o);
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
}
