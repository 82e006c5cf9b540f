// A stage as an EasyR1 command line: `python3 -m verl.trainer.main config=<base.yaml> key=value …`, the recipe's
// algorithm mapped onto EasyR1's config keys, the model path set to the previous stage's merged checkpoint,
// the file logger on (experiment_log.jsonl + generations.log in the stage's easyr1/ folder), recipe overrides
// last. After training, EasyR1's model merger turns the final actor checkpoint into the Hugging Face folder
// the next stage starts from. Every key is checked against the facts of the EasyR1 version compiled for
// (upstream/<commit>.json): reward_type exists only up to d146d24. Paths EasyR1 resolves against its working
// directory (get_abs_path, which drops a missing path silently) are written absolute.
import { join } from 'node:path';
import type { StageContext } from '../stageContext';
import { dataPath, recipePath } from '../stageContext';
import { Overrides, pyValue } from '../values';
import { checkKeys, CompileError, cwdOf, envOf, factsFor, overridesOf, pythonOf, requireData, requireInit, versionName, type CompiledStage, type StageFile } from '../compiled';
import { REWARD_ENTRY, rewardFiles } from '../rewardModule';
import { schemaDefaults, type Reward, type ResolvedReward } from '../../../protocol/recipe';
import type { EasyR1Facts } from '../upstream';

const DEFAULT_PATTERN = schemaDefaults<Reward>('reward').format_pattern;

/** EasyR1's own math.py / r1v.py compute exactly this reward: (1 − format_weight)·accuracy + format_weight·format, fixed regex. */
export const easyr1OwnReward = (r: ResolvedReward) =>
  Math.abs(r.accuracy_weight + r.format_weight - 1) < 1e-9 && r.format_pattern === DEFAULT_PATTERN;

/** Keys EasyR1 passes through get_abs_path (relative to its working directory; missing → silently None). */
export const EASYR1_PATH_KEYS = ['worker.reward.reward_function', 'data.format_prompt', 'data.image_dir', 'data.override_chat_template', 'trainer.load_checkpoint_path'];

/** Recipe environment variables EasyR1's main.py overrides for its Ray workers (so they never reach training). */
export function overriddenWorkerEnv(facts: EasyR1Facts, env: Record<string, string>): { key: string; value: string; upstream: string }[] {
  return Object.entries(env).filter(([k, v]) => k in facts.workerEnv && facts.workerEnv[k] !== v).map(([key, value]) => ({ key, value, upstream: facts.workerEnv[key] }));
}

export function compileEasyR1(c: StageContext): CompiledStage {
  const facts = factsFor(c, 'easyr1');
  const { recipe, stage } = c;
  const a = stage.algorithm;
  const d = stage.data;
  const cwd = cwdOf(c);
  // With a base config, data files and the first model may come from it: then the keys are left out.
  const fromConfig = !!recipe.model.config;
  const o = new Overrides();
  if (d.file || !fromConfig) o.set('data.train_files', dataPath(c.recipeDir, requireData(c)));
  if (d.val_file) o.set('data.val_files', dataPath(c.recipeDir, d.val_file));
  else if (!fromConfig) throw new CompileError(`stage '${stage.id}': EasyR1 always builds a validation set (data.val_files, default ""): set data.val_file`);
  o.set('data.prompt_key', d.prompt_key ?? 'problem')
    .set('data.answer_key', d.answer_key ?? 'answer')
    .set('data.image_key', d.image_key ?? 'images')
    .int('data.max_response_length', a.max_response_length)
    .int('data.rollout_batch_size', a.rollout_batch_size)
    .int('data.seed', d.seed)
    .set('algorithm.adv_estimator', a.adv_estimator);
  if (a.kl_coef > 0) {
    o.bool('algorithm.disable_kl', false).bool('algorithm.use_kl_loss', true).set('algorithm.kl_penalty', a.kl_penalty).float('algorithm.kl_coef', a.kl_coef);
  } else o.bool('algorithm.disable_kl', true);
  if (c.initCheckpoint || !fromConfig) o.set('worker.actor.model.model_path', requireInit(c));
  o.bool('worker.actor.model.freeze_vision_tower', a.freeze_vision_tower)
    .int('worker.actor.global_batch_size', a.global_batch_size)
    .int('worker.actor.ppo_epochs', a.ppo_epochs)
    .float('worker.actor.max_grad_norm', a.max_grad_norm)
    .float('worker.actor.clip_ratio_low', a.clip_ratio_low)
    .float('worker.actor.clip_ratio_high', a.clip_ratio_high)
    .float('worker.actor.clip_ratio_dual', a.clip_ratio_dual)
    .float('worker.actor.optim.lr', a.lr)
    .float('worker.actor.optim.weight_decay', a.weight_decay)
    .int('worker.rollout.n', a.rollout_n)
    .float('worker.rollout.temperature', a.temperature)
    .float('worker.rollout.top_p', a.top_p)
    .float('worker.rollout.val_override_config.temperature', a.val_temperature)
    .float('worker.rollout.val_override_config.top_p', a.val_top_p)
    .int('worker.rollout.val_override_config.n', a.val_n);
  const files: StageFile[] = [];
  const notes: string[] = [];
  const ownReward = facts.reward.functionKey in stage.overrides;
  if (!ownReward) {
    const r = stage.reward;
    if (easyr1OwnReward(r)) {
      // EasyR1's math.py / r1v.py, absolute: EasyR1 resolves the path against its working directory.
      o.set(facts.reward.functionKey, `${join(cwd, 'examples', 'reward_function', `${r.name}.py`)}:compute_score`)
        .float(`${facts.reward.kwargsKey}.format_weight`, r.format_weight);
      if (facts.reward.typeFrom === 'config') o.set('worker.reward.reward_type', r.name === 'r1v' ? 'sequential' : 'batch');
    } else {
      // The recipe's weights or format pattern are not EasyR1's: our module computes them exactly.
      const m = rewardFiles(c);
      files.push(...m.files);
      o.set(facts.reward.functionKey, `${m.path}:${REWARD_ENTRY.easyr1}`);
      if (facts.reward.typeFrom === 'config') o.set('worker.reward.reward_type', 'batch');
      notes.push(`the reward is See2Think's (${m.path}): EasyR1's ${r.name}.py weighs accuracy as 1 − format_weight with a fixed format regex, not the recipe's ${r.accuracy_weight}/${r.format_weight}${r.format_pattern === DEFAULT_PATTERN ? '' : ' and format_pattern'}`);
    }
  } else if (!(stage.reward.accuracy_weight === 0.9 && stage.reward.format_weight === 0.1 && stage.reward.format_pattern === DEFAULT_PATTERN)) {
    notes.push(`the recipe's reward (${stage.reward.accuracy_weight}/${stage.reward.format_weight}, format_pattern) does not reach your ${facts.reward.functionKey}: set it there (or with ${facts.reward.kwargsKey})`);
  }
  o.set('trainer.project_name', recipe.name)
    .set('trainer.experiment_name', `${recipe.name}-${stage.id}`)
    .set('trainer.logger', "['console','file']")
    .int('trainer.max_steps', stage.steps)
    .int('trainer.save_freq', a.save_freq)
    .int('trainer.val_freq', a.val_freq)
    .bool('trainer.val_before_train', a.val_before_train)
    .int('trainer.val_generations_to_log', d.val_size)
    .set('trainer.save_checkpoint_path', c.outputDir);
  const user = overridesOf(c);
  for (const [k, v] of user) o.set(k, pyValue(v));
  checkKeys(c, o.keys(), new Set(user.map(([k]) => k)));

  const env = envOf(c);
  const lost = overriddenWorkerEnv(facts, env);
  if (lost.length) {
    throw new CompileError(lost.map((e) => `env ${e.key}=${e.value}: ${versionName(c)}'s verl/trainer/main.py sets ${e.key}=${e.upstream} for its Ray workers (ray.init runtime_env), so this value never reaches training; remove it, or change it in ${join(cwd, 'verl/trainer/main.py')}`).join('\n'));
  }
  const python = pythonOf(c);
  return {
    trainer: 'easyr1',
    stageId: stage.id,
    argv: [python, '-m', facts.entry.module, ...(recipe.model.config ? [`${facts.entry.configArg}=${recipePath(c.recipeDir, recipe.model.config)}`] : []), ...o.dotlist()],
    cwd,
    env,
    outputDir: c.outputDir,
    initCheckpoint: c.initCheckpoint,
    files,
    read: { kind: 'easyr1', dir: c.outputDir },
    after: [{
      what: 'merge the final actor checkpoint into a Hugging Face model folder (the next stage starts from it)',
      argv: [python, join(cwd, facts.entry.mergerScript), '--local_dir', join(c.outputDir, `global_step_${stage.steps}`, 'actor')],
      cwd,
    }],
    notes,
  };
}
