// A stage as a verl command line: `python3 -m verl.trainer.main_ppo key=value …` (Hydra overrides), the
// recipe's algorithm mapped onto verl's actor_rollout_ref/algorithm/trainer keys, the file logger on
// ($VERL_FILE_LOGGER_PATH in the stage's verl/ folder), rollout and validation dumps next to it, and the
// actor saved with its Hugging Face model (`checkpoint.save_contents` with hf_model) so the next stage can
// start from global_step_N/actor/huggingface. Keys: volcengine/verl verl/trainer/config/ppo_trainer.yaml and
// its GRPO example scripts.
import { join } from 'node:path';
import type { StageContext } from '../stageContext';
import { dataPath } from '../stageContext';
import { Overrides, pyValue } from '../values';
import { cwdOf, envOf, overridesOf, pythonOf, requireData, requireInit, type CompiledStage } from '../compiled';

export function compileVerl(c: StageContext): CompiledStage {
  const { recipe, stage } = c;
  const a = stage.algorithm;
  const d = stage.data;
  const logFile = join(c.outputDir, 'metrics.jsonl');
  const rolloutDir = join(c.outputDir, 'rollout');
  const validationDir = join(c.outputDir, 'validation');
  const o = new Overrides()
    .set('algorithm.adv_estimator', a.adv_estimator)
    .bool('algorithm.use_kl_in_reward', false)
    .set('data.train_files', dataPath(c.recipeDir, requireData(c)));
  if (d.val_file) o.set('data.val_files', dataPath(c.recipeDir, d.val_file));
  o.set('data.prompt_key', d.prompt_key ?? 'problem')
    .set('data.image_key', d.image_key ?? 'images')
    .int('data.train_batch_size', a.rollout_batch_size)
    .int('data.max_response_length', a.max_response_length)
    .int('data.seed', d.seed)
    .set('actor_rollout_ref.model.path', requireInit(c))
    .float('actor_rollout_ref.actor.optim.lr', a.lr)
    .float('actor_rollout_ref.actor.optim.weight_decay', a.weight_decay)
    .int('actor_rollout_ref.actor.ppo_mini_batch_size', a.global_batch_size)
    .int('actor_rollout_ref.actor.ppo_epochs', a.ppo_epochs)
    .float('actor_rollout_ref.actor.grad_clip', a.max_grad_norm)
    .float('actor_rollout_ref.actor.clip_ratio_low', a.clip_ratio_low)
    .float('actor_rollout_ref.actor.clip_ratio_high', a.clip_ratio_high)
    .float('actor_rollout_ref.actor.clip_ratio_c', a.clip_ratio_dual)
    .bool('actor_rollout_ref.actor.use_kl_loss', a.kl_coef > 0)
    .float('actor_rollout_ref.actor.kl_loss_coef', a.kl_coef)
    .set('actor_rollout_ref.actor.kl_loss_type', a.kl_penalty)
    .bool('actor_rollout_ref.actor.freeze_vision_tower', a.freeze_vision_tower)
    .set('actor_rollout_ref.actor.checkpoint.save_contents', "['model','optimizer','extra','hf_model']")
    .int('actor_rollout_ref.rollout.n', a.rollout_n)
    .float('actor_rollout_ref.rollout.temperature', a.temperature)
    .float('actor_rollout_ref.rollout.top_p', a.top_p)
    .float('actor_rollout_ref.rollout.val_kwargs.temperature', a.val_temperature)
    .float('actor_rollout_ref.rollout.val_kwargs.top_p', a.val_top_p)
    .int('actor_rollout_ref.rollout.val_kwargs.n', a.val_n)
    .bool('actor_rollout_ref.rollout.val_kwargs.do_sample', a.val_temperature > 0)
    .set('trainer.project_name', recipe.name)
    .set('trainer.experiment_name', `${recipe.name}-${stage.id}`)
    .set('trainer.logger', "['console','file']")
    .int('trainer.total_training_steps', stage.steps)
    .int('trainer.save_freq', a.save_freq)
    .int('trainer.test_freq', a.val_freq)
    .bool('trainer.val_before_train', a.val_before_train)
    .set('trainer.default_local_dir', c.outputDir)
    .set('trainer.rollout_data_dir', rolloutDir)
    .set('trainer.validation_data_dir', validationDir);
  for (const [k, v] of overridesOf(c)) o.set(k, pyValue(v));
  return {
    trainer: 'verl',
    stageId: stage.id,
    argv: [pythonOf(c), '-m', 'verl.trainer.main_ppo', ...o.dotlist()],
    cwd: cwdOf(c),
    env: envOf(c, { VERL_FILE_LOGGER_PATH: logFile }),
    outputDir: c.outputDir,
    initCheckpoint: c.initCheckpoint,
    read: {
      kind: 'verl',
      paths: {
        logFile, rolloutDir, validationDir, checkpointDir: c.outputDir,
        valSampling: { temperature: a.val_temperature, top_p: a.val_top_p, n: a.val_n },
        valSet: d.val_file ? d.val_file.split('/').pop() : undefined,
      },
    },
    after: [],
    notes: [],
  };
}
