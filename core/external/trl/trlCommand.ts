// A stage as a TRL run: the user's GRPOTrainer script with `--key value` arguments in TrlParser /
// HfArgumentParser form (GRPOConfig and ModelConfig field names), completions logged to Parquet, checkpoints
// in the stage's trl/ folder; the next stage starts from checkpoint-<steps>. Keys: TRL GRPOConfig
// (num_generations, num_iterations, beta, epsilon, epsilon_high, max_completion_length, log_completions).
import type { StageContext } from '../stageContext';
import { dataPath, recipePath } from '../stageContext';
import { Overrides, pyValue } from '../values';
import { CompileError, cwdOf, envOf, overridesOf, pythonOf, requireInit, type CompiledStage } from '../compiled';

export function compileTrl(c: StageContext): CompiledStage {
  const { recipe, stage } = c;
  const a = stage.algorithm;
  if (!recipe.model.script) throw new CompileError("the trl trainer runs your GRPOTrainer script: set model.script (relative to the recipe)");
  const o = new Overrides()
    .set('model_name_or_path', requireInit(c))
    .set('output_dir', c.outputDir);
  if (stage.data.file) o.set('dataset_name', dataPath(c.recipeDir, stage.data.file));
  o.int('max_steps', stage.steps)
    .float('learning_rate', a.lr)
    .float('weight_decay', a.weight_decay)
    .float('max_grad_norm', a.max_grad_norm)
    .int('num_generations', a.rollout_n)
    .int('num_iterations', a.ppo_epochs)
    .float('temperature', a.temperature)
    .float('top_p', a.top_p)
    .float('beta', a.kl_coef)
    .float('epsilon', a.clip_ratio_low)
    .float('epsilon_high', a.clip_ratio_high)
    .int('max_completion_length', a.max_response_length)
    .int('save_steps', a.save_freq)
    .int('logging_steps', 1)
    .bool('log_completions', true)
    .int('seed', a.seed);
  for (const [k, v] of overridesOf(c)) o.set(k.replace(/^--/, ''), pyValue(v));
  return {
    trainer: 'trl',
    stageId: stage.id,
    argv: [pythonOf(c), recipePath(c.recipeDir, recipe.model.script), ...o.flags()],
    cwd: cwdOf(c),
    env: envOf(c),
    outputDir: c.outputDir,
    initCheckpoint: c.initCheckpoint,
    read: { kind: 'trl', dir: c.outputDir },
    after: [],
    notes: ['TRL writes trainer_state.json only when it saves a checkpoint: metrics appear every save_steps steps'],
  };
}
