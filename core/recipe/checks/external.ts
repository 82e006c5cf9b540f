// Checks for external trainers and the SLURM target, so `see2think validate` and the editor say before a launch
// what the stage bridge or sbatch would refuse: prompts from a file, a first model, known ${…} placeholders;
// #SBATCH values that are plain tokens, a SLURM time, one option per sbatch_args item. What depends on the
// trainer's upstream version (its keys, data formats, paths) is in upstreamChecks.ts.
import type { SemanticCheck, CheckContext } from './context';
import type { Problem } from '../problems';
import type { JsonPath } from '../sourceMap';
import { settingPath, mergeByPlace } from './where';
import { checkSbatchArg, slurmTime, SlurmScriptError } from '../../launch/slurmScript';

/** The placeholders the stage bridge substitutes (core/external/stageContext.ts). */
export const PLACEHOLDERS = ['stage_dir', 'stage_id', 'steps', 'init_checkpoint', 'run_dir', 'recipe_dir', 'output_dir'];
const EXTERNAL_PYTHON = new Set(['easyr1', 'verl', 'trl']);

export function problem(ctx: CheckContext, severity: Problem['severity'], code: string, path: JsonPath, message: string, key = false): Problem {
  return { severity, code, path, range: ctx.src.rangeOf(path, key ? 'key' : undefined), message };
}

function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(/\$\$|\$\{([^}]*)\}/g)].map((m) => m[1]).filter((n): n is string => n !== undefined && !PLACEHOLDERS.includes(n));
}

export const checkExternalTrainer: SemanticCheck = (ctx) => {
  const { recipe, resolved } = ctx;
  const trainer = resolved.model.trainer;
  const problems: Problem[] = [];
  const placeholders = (path: JsonPath, text: string) => {
    for (const name of unknownPlaceholders(text)) {
      problems.push(problem(ctx, 'error', 'external/unknown-placeholder', path, `unknown placeholder \${${name}} (known: ${PLACEHOLDERS.map((p) => '${' + p + '}').join(', ')}; write $$ for a literal $)`));
    }
  };
  if (trainer === 'builtin') {
    if (recipe.model?.overrides) problems.push(problem(ctx, 'warning', 'external/overrides-builtin', ['model', 'overrides'], 'overrides are passed to external trainers only; the built-in trainer ignores them', true));
    recipe.stages.forEach((s, i) => {
      if (s.overrides) problems.push(problem(ctx, 'warning', 'external/overrides-builtin', ['stages', i, 'overrides'], 'overrides are passed to external trainers only; the built-in trainer ignores them', true));
    });
    return problems;
  }
  (recipe.model?.command ?? []).forEach((a, j) => placeholders(['model', 'command', j], a));
  for (const [k, v] of Object.entries(recipe.model?.env ?? {})) placeholders(['model', 'env', k], v);
  for (const [k, v] of Object.entries(recipe.model?.overrides ?? {})) if (typeof v === 'string') placeholders(['model', 'overrides', k], v);
  recipe.stages.forEach((s, i) => {
    for (const [k, v] of Object.entries(s.overrides ?? {})) if (typeof v === 'string') placeholders(['stages', i, 'overrides', k], v);
    for (const [k, v] of Object.entries(s.launch?.env ?? {})) placeholders(['stages', i, 'launch', 'env', k], v);
    if (!EXTERNAL_PYTHON.has(trainer)) return;
    // EasyR1's base config (config=…) may name the data files and the model itself.
    const fromConfig = trainer === 'easyr1' && !!recipe.model?.config;
    if (s.data?.generator) {
      problems.push(problem(ctx, 'error', 'external/generator', ['stages', i, 'data', 'generator'], `the built-in task generators feed the built-in trainer only; the ${trainer} trainer reads prompts from data.file`));
    } else if (!s.data?.file && !fromConfig) {
      problems.push(problem(ctx, 'error', 'external/data-file', s.data ? ['stages', i, 'data'] : ['stages', i], `stage '${s.id}': the ${trainer} trainer reads its prompts from a file: set data.file (JSONL, Parquet or a Hub dataset id)`, true));
    }
    if (resolved.stages[i].initFrom === null && !recipe.model?.path && !fromConfig) {
      problems.push(problem(ctx, 'error', 'external/model-path', ['model', 'trainer'], `stage '${s.id}' starts from the base model: set model.path (a Hugging Face id or a model folder)`));
    }
  });
  return mergeByPlace(problems.map((p) => ({ problem: p, stage: '' })));
};

export const checkSlurmLaunch: SemanticCheck = (ctx) => {
  const { recipe, resolved } = ctx;
  const items: { problem: Problem; stage: string }[] = [];
  resolved.stages.forEach((s, i) => {
    const at = (key: string): JsonPath => settingPath(recipe, i, 'launch', key) ?? ['stages', i];
    const report = (path: JsonPath, message: string, severity: Problem['severity'] = 'error', code = 'slurm/invalid') =>
      items.push({ problem: problem(ctx, severity, code, path, message.replace(/^launch\.[\w[\]]+: /, '') + (resolved.stages.length > 1 ? ` in stage '${s.id}'` : '')), stage: s.id });
    const l = s.launch;
    if (l.target !== 'slurm') {
      const slurmOnly = (['partition', 'gpus', 'cpus', 'mem', 'time', 'nodes', 'sbatch_args'] as const).filter((k) => l[k] !== undefined);
      if (slurmOnly.length) report(at('target'), `${slurmOnly.join(', ')} ${slurmOnly.length > 1 ? 'are SLURM settings' : 'is a SLURM setting'}, ignored with target '${l.target}'`, 'warning', 'slurm/ignored');
      return;
    }
    for (const key of ['partition', 'mem'] as const) {
      const v = l[key];
      if (v !== undefined && !/^[A-Za-z0-9_.:,/@%+=\-[\]]+$/.test(v)) report(at(key), `'${v}' is not allowed in an #SBATCH line (letters, digits and _ . : , / @ % + = - [ ] only)`);
    }
    if (l.time !== undefined) {
      try {
        slurmTime(l.time);
      } catch (err) {
        report(at('time'), (err as Error).message);
      }
    }
    (l.sbatch_args ?? []).forEach((a, j) => {
      try {
        checkSbatchArg(a, j);
      } catch (err) {
        if (!(err instanceof SlurmScriptError)) throw err;
        const base = at('sbatch_args');
        report(base.length > 2 ? [...base, j] : base, err.message);
      }
    });
  });
  return mergeByPlace(items);
};
