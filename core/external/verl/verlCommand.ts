// A stage as a verl command line: `python3 -m verl.trainer.main_ppo key=value …` (Hydra overrides), the
// recipe's algorithm mapped onto verl's actor_rollout_ref/algorithm/trainer keys, the file logger on
// ($VERL_FILE_LOGGER_PATH in the stage's verl/ folder), rollout and validation dumps next to it, and the
// actor saved with its Hugging Face model (`checkpoint.save_contents` with hf_model) so the next stage can
// start from global_step_N/actor/huggingface. verl's default reward dispatches on data_source and knows
// nothing of the recipe's reward, so the stage gets ours as custom_reward_function (where the version keeps
// it). The loop also stops after trainer.total_epochs passes over the data (default 30): it is set high
// enough that total_training_steps decides. Keys are checked against the facts of the verl version.
import { join } from 'node:path';
import type { StageContext } from '../stageContext';
import { dataPath } from '../stageContext';
import { Overrides, pyValue } from '../values';
import { checkKeys, CompileError, cwdOf, envOf, factsFor, overridesOf, pythonOf, requireData, requireInit, versionName, type CompiledStage } from '../compiled';
import { REWARD_ENTRY, rewardFiles } from '../rewardModule';
import { looksLikeHubId } from '../stageContext';

/** Why verl cannot read this data file at this version, or undefined. */
export function verlDataProblem(extensions: string[], file: string): string | undefined {
  if (looksLikeHubId(file)) return `verl reads local files only (${extensions.join(', ')}), not a Hub dataset id like '${file}': download it and convert it to verl's format (verl's examples/data_preprocess)`;
  if (!extensions.some((e) => file.toLowerCase().endsWith(e))) return `verl reads ${extensions.join(', ')} files here ("Unsupported file format" otherwise): convert '${file}'`;
  return undefined;
}

export function compileVerl(c: StageContext): CompiledStage {
  const facts = factsFor(c, 'verl');
  const { recipe, stage } = c;
  const a = stage.algorithm;
  const d = stage.data;
  const logFile = join(c.outputDir, 'metrics.jsonl');
  const rolloutDir = join(c.outputDir, 'rollout');
  const validationDir = join(c.outputDir, 'validation');
  const train = requireData(c);
  if (!d.val_file) throw new CompileError(`stage '${stage.id}': verl always validates (its default data.val_files is an example path): set data.val_file`);
  for (const f of [train, d.val_file]) {
    const why = verlDataProblem(facts.data.extensions, f);
    if (why) throw new CompileError(`stage '${stage.id}': ${why} (${versionName(c)})`);
  }
  const reward = rewardFiles(c);
  const o = new Overrides()
    .set('algorithm.adv_estimator', a.adv_estimator)
    .bool('algorithm.use_kl_in_reward', false)
    .set('data.train_files', dataPath(c.recipeDir, train))
    .set('data.val_files', dataPath(c.recipeDir, d.val_file));
  // verl's prompt column holds chat messages; its own default names it. Only a recipe's choice is passed.
  if (d.prompt_key) o.set('data.prompt_key', d.prompt_key);
  if (d.image_key) o.set('data.image_key', d.image_key);
  o.int('data.train_batch_size', a.rollout_batch_size)
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
    .set(`${facts.reward.customKey}.path`, reward.path)
    .set(`${facts.reward.customKey}.name`, REWARD_ENTRY.verl)
    .set('trainer.project_name', recipe.name)
    .set('trainer.experiment_name', `${recipe.name}-${stage.id}`)
    .set('trainer.logger', "['console','file']")
    .int('trainer.total_training_steps', stage.steps)
    // Each pass over the data is at least one step (verl refuses an empty train loader), so `steps` passes
    // never end the loop before total_training_steps does.
    .int('trainer.total_epochs', stage.steps)
    .int('trainer.save_freq', a.save_freq)
    .int('trainer.test_freq', a.val_freq)
    .bool('trainer.val_before_train', a.val_before_train)
    .set('trainer.default_local_dir', c.outputDir)
    .set('trainer.rollout_data_dir', rolloutDir)
    .set('trainer.validation_data_dir', validationDir);
  const user = overridesOf(c);
  for (const [k, v] of user) o.set(k, pyValue(v));
  checkKeys(c, o.keys(), new Set(user.map(([k]) => k)));
  const loggerEnv = facts.files.loggerEnv.find((e) => e.endsWith('_PATH'));
  if (!loggerEnv) throw new CompileError(`${versionName(c)} has no file-logger path variable`);
  return {
    trainer: 'verl',
    stageId: stage.id,
    argv: [pythonOf(c), '-m', facts.entry.module, ...o.dotlist()],
    cwd: cwdOf(c),
    env: envOf(c, { [loggerEnv]: logFile }),
    outputDir: c.outputDir,
    initCheckpoint: c.initCheckpoint,
    files: reward.files,
    read: {
      kind: 'verl',
      paths: {
        logFile, rolloutDir, validationDir, checkpointDir: c.outputDir, plannedSteps: stage.steps,
        valSampling: { temperature: a.val_temperature, top_p: a.val_top_p, n: a.val_n },
        valSet: d.val_file.split('/').pop(),
      },
    },
    after: [],
    notes: [],
  };
}
