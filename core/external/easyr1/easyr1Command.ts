// A stage as an EasyR1 command line: `python3 -m verl.trainer.main config=<base.yaml> key=value …`, the recipe's
// algorithm mapped onto EasyR1's config keys, the model path set to the previous stage's merged checkpoint,
// the file logger on (experiment_log.jsonl + generations.log in the stage's easyr1/ folder), recipe overrides
// last. After training, EasyR1's model merger turns the final actor checkpoint into the Hugging Face folder
// the next stage starts from (EasyR1 README: "Merge Checkpoint in Hugging Face Format").
// Keys: hiyouga/EasyR1 verl/trainer/config.py, verl/workers/actor/config.py, verl/workers/rollout/config.py,
// examples/config.yaml; the paper's launch scripts (UCSC-VLAA/VLM-CapCurriculum training/examples/).
import { join } from 'node:path';
import type { StageContext } from '../stageContext';
import { dataPath, recipePath } from '../stageContext';
import { Overrides, pyValue } from '../values';
import { cwdOf, envOf, overridesOf, pythonOf, requireData, requireInit, type CompiledStage } from '../compiled';

export function compileEasyR1(c: StageContext): CompiledStage {
  const { recipe, stage } = c;
  const a = stage.algorithm;
  const d = stage.data;
  // With a base config, data files and the first model may come from it: then the keys are left out.
  const fromConfig = !!recipe.model.config;
  const o = new Overrides();
  if (d.file || !fromConfig) o.set('data.train_files', dataPath(c.recipeDir, requireData(c)));
  if (d.val_file) o.set('data.val_files', dataPath(c.recipeDir, d.val_file));
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
    .int('worker.rollout.val_override_config.n', a.val_n)
    .set('worker.reward.reward_function', `./examples/reward_function/${stage.reward.name}.py:compute_score`)
    .set('worker.reward.reward_type', stage.reward.name === 'r1v' ? 'sequential' : 'batch')
    .set('trainer.project_name', recipe.name)
    .set('trainer.experiment_name', `${recipe.name}-${stage.id}`)
    .set('trainer.logger', "['console','file']")
    .int('trainer.max_steps', stage.steps)
    .int('trainer.save_freq', a.save_freq)
    .int('trainer.val_freq', a.val_freq)
    .bool('trainer.val_before_train', a.val_before_train)
    .int('trainer.val_generations_to_log', d.val_size)
    .set('trainer.save_checkpoint_path', c.outputDir);
  // EasyR1's math.py and r1v.py score (1 − format_weight)·accuracy + format_weight·format and take format_weight
  // as a keyword (r1v's own default is 0.5, not the paper's 0.1); a reward function of the user's own may not.
  const ownReward = 'worker.reward.reward_function' in stage.overrides;
  if (!ownReward) o.float('worker.reward.reward_function_kwargs.format_weight', stage.reward.format_weight);
  for (const [k, v] of overridesOf(c)) o.set(k, pyValue(v));

  const python = pythonOf(c);
  const cwd = cwdOf(c);
  const notes = rewardNotes(stage.reward, ownReward);
  return {
    trainer: 'easyr1',
    stageId: stage.id,
    argv: [python, '-m', 'verl.trainer.main', ...(recipe.model.config ? [`config=${recipePath(c.recipeDir, recipe.model.config)}`] : []), ...o.dotlist()],
    cwd,
    env: envOf(c),
    outputDir: c.outputDir,
    initCheckpoint: c.initCheckpoint,
    read: { kind: 'easyr1', dir: c.outputDir },
    after: [{
      what: 'merge the final actor checkpoint into a Hugging Face model folder (the next stage starts from it)',
      argv: [python, 'scripts/model_merger.py', '--local_dir', join(c.outputDir, `global_step_${stage.steps}`, 'actor')],
      cwd,
    }],
    notes,
  };
}

function rewardNotes(r: StageContext['stage']['reward'], ownReward: boolean): string[] {
  if (ownReward) {
    return r.accuracy_weight === 0.9 && r.format_weight === 0.1 ? [] : [
      `the recipe's reward weights ${r.accuracy_weight}/${r.format_weight} are not passed to your worker.reward.reward_function: set them there (or with worker.reward.reward_function_kwargs)`,
    ];
  }
  return Math.abs(r.accuracy_weight + r.format_weight - 1) < 1e-9 ? [] : [
    `EasyR1's ${r.name}.py weighs accuracy as 1 − format_weight = ${+(1 - r.format_weight).toFixed(6)}, not the recipe's accuracy_weight ${r.accuracy_weight}`,
  ];
}
