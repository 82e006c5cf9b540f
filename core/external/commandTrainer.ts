// A stage as the recipe's own argument vector (`model.command`), each argument ${…}-substituted — never
// joined into a shell string. The command writes See2Think metrics JSONL into the stage directory itself;
// it also gets the placeholders as S2T_* environment variables.
import type { StageContext } from './stageContext';
import { substitute } from './substitute';
import { CompileError, cwdOf, envOf, type CompiledStage } from './compiled';

export function compileCommand(c: StageContext): CompiledStage {
  const argv = c.recipe.model.command;
  if (!argv?.length) throw new CompileError("model.trainer is 'command' but model.command (the argument vector to run) is not set");
  const env = envOf(c, Object.fromEntries(Object.entries(c.vars).map(([k, v]) => [`S2T_${k.toUpperCase()}`, v])));
  return {
    trainer: 'command',
    stageId: c.stage.id,
    argv: argv.map((arg, i) => substitute(arg, c.vars, `model.command[${i}]`)),
    cwd: cwdOf(c),
    env,
    outputDir: c.stageDir,
    initCheckpoint: c.initCheckpoint,
    files: [],
    read: { kind: 'command' },
    after: [],
    notes: [],
  };
}
