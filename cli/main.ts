// The `see2think` command line: validate recipes, run stages with the built-in trainer, summarise runs.
// Errors a user can fix print as one clear line (positioned for recipes); stack traces only with --debug.
import { validateCommand, UsageError } from './cliValidate';
import { summaryCommand } from './cliSummary';
import { runCommand } from './cliRun';
import { stageCommand } from './cliStage';
import { diffCommand } from './cliDiff';
import { evalCommand } from './cliEval';
import { showCommand } from './cliShowCommand';
import { attachCommand } from './cliAttach';
import { experimentCommand } from './cliExperiment';
import { RecipeError } from '../core/recipe/loadRecipe';

const USAGE = `usage: see2think <command> [options]

commands:
  validate <recipe>...         check recipes; one "file:line:col: message" line per problem
  summary <run-dir>...         per-stage table of a run directory
  run <recipe> [options]       run stages with the built-in trainer (see "see2think run --help")
  stage <run-dir> <stage-id>   run one stage of a run directory [--resume | --restart]
  eval <checkpoint> [options]  answer a held-out set with a checkpoint (see "see2think eval --help")
  diff <evalA> <evalB>         compare two checkpoints' eval files: accuracy, flips, trace length
  show-command <recipe>        the exact command line of each external-trainer stage [--stage <id>] [--run-dir <dir>]
  attach <folder>              mirror an EasyR1/verl/TRL run folder into a run directory [--into <dir>] [--once]
  experiment <A> <B> --seeds N both recipes from one shared warm-up per seed, evaluated and reported (see --help)

options: --debug (print stack traces), --help`;

export type Command = (args: string[], out: (line: string) => void) => number | Promise<number>;

/** Subcommands; other modules register more (run, eval, diff …) by adding to this table. */
export const COMMANDS: Record<string, Command> = {
  validate: validateCommand,
  summary: summaryCommand,
  diff: diffCommand,
  eval: evalCommand,
  run: runCommand,
  stage: stageCommand,
  'show-command': showCommand,
  attach: attachCommand,
  experiment: experimentCommand,
};

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  const out = (line: string) => process.stdout.write(line + '\n');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`see2think: unknown command '${name}'\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest, out);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`see2think ${name}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof RecipeError) {
      process.stderr.write(err.message + '\n');
      return 1;
    }
    process.stderr.write(`see2think ${name}: ${debug ? (err as Error).stack : (err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
