// `see2think show-command <recipe> [--stage <id>] [--run-dir <dir>] [--json]`: the exact command line each
// external-trainer stage runs (EasyR1, verl, TRL or the recipe's own command), before anything is launched,
// and the upstream version it is compiled for (detected from model.cwd or the installed package, or set in
// the recipe). Without --run-dir, paths inside the run show a `<run-id>` placeholder.
import { dirname, join, resolve } from 'node:path';
import { loadRecipeFile } from '../core/recipe/loadRecipe';
import { runsRoot } from '../core/rundir/runDir';
import { compileStage, versionFor } from '../core/external/compile';
import { formatCompiledStage } from '../core/external/display';
import { UsageError } from './cliValidate';

export const SHOW_COMMAND_USAGE = 'usage: see2think show-command <recipe> [--stage <id>] [--run-dir <dir>] [--json]';

export function parseShowCommandArgs(args: string[]): { recipe: string; stage?: string; runDir?: string; json: boolean } {
  let recipe: string | undefined;
  let stage: string | undefined;
  let runDir: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--stage' || a === '--run-dir') {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value\n${SHOW_COMMAND_USAGE}`);
      if (a === '--stage') stage = v;
      else runDir = v;
    } else if (a === '--json') json = true;
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}\n${SHOW_COMMAND_USAGE}`);
    else if (recipe === undefined) recipe = a;
    else throw new UsageError(`one recipe at a time\n${SHOW_COMMAND_USAGE}`);
  }
  if (!recipe) throw new UsageError(SHOW_COMMAND_USAGE);
  return { recipe, stage, runDir, json };
}

export function showCommand(args: string[], out: (line: string) => void): number {
  const o = parseShowCommandArgs(args);
  const recipeDir = dirname(resolve(o.recipe));
  // Files the recipe names may exist only on the cluster: showing the command never needs them.
  const { resolved } = loadRecipeFile(o.recipe);
  if (resolved.model.trainer === 'builtin') {
    out(`${o.recipe}: the built-in trainer runs each stage as \`see2think stage <run-dir> <stage-id>\`; there is no external command line`);
    return 0;
  }
  const stages = o.stage ? [o.stage] : resolved.stages.map((s) => s.id);
  const runDir = o.runDir ? resolve(o.runDir) : join(runsRoot(o.recipe, resolved), resolved.name, '<run-id>');
  const version = versionFor({ recipe: resolved, stageId: stages[0], runDir, recipeDir, probePackage: true });
  const compiled = stages.map((stageId) => compileStage({ recipe: resolved, stageId, runDir, recipeDir, version: version.version }));
  if (version.notes.length) compiled.forEach((c) => c.notes.unshift(...version.notes));
  if (o.json) out(JSON.stringify(compiled, null, 2));
  else out(compiled.map(formatCompiledStage).join('\n\n'));
  return 0;
}
