// Files and programs a recipe names must exist before a launch: data files, configs and scripts (relative to
// the recipe), and an external trainer's interpreter or command. On SLURM they may exist only on the
// cluster, so there the problem is a warning instead of an error.
import { isAbsolute, resolve } from 'node:path';
import type { SemanticCheck, CheckContext } from './context';
import type { Problem, Severity } from '../problems';
import type { JsonPath } from '../sourceMap';

/** `owner/name` or `owner/name@split`: a Hugging Face Hub dataset or model id, which EasyR1 and TRL accept. */
function looksLikeHubId(v: string): boolean {
  return /^[A-Za-z0-9][\w.-]*\/[\w.-]+(@[\w.-]+)?$/.test(v) && (v.includes('@') || !/\.[A-Za-z0-9]{1,8}$/.test(v));
}

const substituted = (v: string) => v.includes('${');

function severityFor(ctx: CheckContext, stages: number[]): { severity: Severity; note: string } {
  const slurm = stages.length > 0 && stages.every((i) => ctx.resolved.stages[i]?.launch.target === 'slurm');
  return slurm
    ? { severity: 'warning', note: ' on this machine (fine if the SLURM nodes see it)' }
    : { severity: 'error', note: '' };
}

export const checkFiles: SemanticCheck = (ctx) => {
  const { src, recipe, resolved, env } = ctx;
  if (!env.fileExists) return [];
  const dir = env.recipeDir ?? '.';
  const external = resolved.model.trainer !== 'builtin';
  const all = resolved.stages.map((s) => s.index);
  const problems: Problem[] = [];
  const check = (path: JsonPath, value: string | undefined, what: string, stages: number[]) => {
    if (!value || substituted(value)) return;
    if (external && looksLikeHubId(value)) return;
    const abs = resolve(dir, value);
    if (env.fileExists!(abs)) return;
    const { severity, note } = severityFor(ctx, stages);
    problems.push({
      severity, code: 'file/missing', path, range: src.rangeOf(path),
      message: `${what} '${value}' does not exist${note} (looked for ${abs})`,
    });
  };
  const m = recipe.model;
  check(['model', 'config'], m?.config, 'base config', all);
  check(['model', 'script'], m?.script, 'training script', all);
  check(['model', 'cwd'], m?.cwd, 'working directory', all);
  recipe.stages.forEach((s, i) => {
    check(['stages', i, 'data', 'file'], s.data?.file, 'data file', [i]);
    check(['stages', i, 'data', 'val_file'], s.data?.val_file, 'validation data file', [i]);
  });
  return problems;
};

const PYTHON_TRAINERS = new Set(['easyr1', 'verl', 'trl']);

export const checkExecutables: SemanticCheck = (ctx) => {
  const { src, recipe, resolved, env } = ctx;
  if (!env.which) return [];
  const all = resolved.stages.map((s) => s.index);
  const trainer = resolved.model.trainer;
  const problems: Problem[] = [];
  const find = (program: string, path: JsonPath, what: string) => {
    if (substituted(program)) return;
    // A relative path with a '/' runs from the trainer's working directory, which is relative to the recipe.
    const target = program.includes('/') && !isAbsolute(program)
      ? resolve(env.recipeDir ?? '.', recipe.model?.cwd ?? '.', program)
      : program;
    if (env.which!(target)) return;
    const { severity, note } = severityFor(ctx, all);
    const where = !program.includes('/') ? 'on PATH' : target === program ? '(no executable file there)' : `(looked for ${target})`;
    problems.push({
      severity, code: 'trainer/executable-missing', path, range: src.rangeOf(path),
      message: `${what} '${program}' not found ${where}${note}`,
    });
  };
  if (PYTHON_TRAINERS.has(trainer)) {
    const python = recipe.model?.python ?? 'python3';
    find(python, recipe.model?.python ? ['model', 'python'] : ['model', 'trainer'], `the ${trainer} trainer's Python interpreter`);
  }
  if (trainer === 'command') {
    const argv = recipe.model?.command;
    if (!argv?.length) {
      problems.push({
        severity: 'error', code: 'trainer/command-missing', path: ['model', 'trainer'], range: src.rangeOf(['model', 'trainer']),
        message: "model.trainer is 'command' but model.command (the argument vector to run) is not set",
      });
    } else find(argv[0], ['model', 'command', 0], 'command');
  }
  return problems;
};
